"""Print a hash of what an initialised CRM database depends on.

The addons' sources (tests excluded) plus the installed Tryton
distributions: a cached database built from other sources or other host
versions must not be reused.  Used for DB_CACHE keys by scripts/test.sh,
scripts/demo.sh and tests/conftest.py.
"""
import hashlib
import importlib.metadata
import os
import sys

SKIP_DIRS = {'__pycache__', 'tests', 'build', '.pytest_cache'}


def addons_hash(root):
    digest = hashlib.sha256()
    addons = os.path.join(root, 'addons')
    for dirpath, dirnames, filenames in os.walk(addons):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not d.endswith('.egg-info'))
        for filename in sorted(filenames):
            if filename.endswith('.pyc'):
                continue
            path = os.path.join(dirpath, filename)
            digest.update(os.path.relpath(path, addons).encode())
            with open(path, 'rb') as fp:
                digest.update(hashlib.sha256(fp.read()).digest())
    versions = sorted(
        f"{d.metadata['Name']}=={d.version}"
        for d in importlib.metadata.distributions()
        if (d.metadata['Name'] or '').lower().startswith(('trytond', 'proteus')))
    digest.update('\n'.join(versions).encode())
    return digest.hexdigest()[:16]


if __name__ == '__main__':
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..')
    print(addons_hash(root))
