"""Print a hash of what an initialised CRM database depends on.

The addons' sources (tests excluded), the test-only modules of
tests/modules (activated by test databases), plus the installed Tryton
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
    for top in [
            os.path.join(root, 'addons'),
            os.path.join(root, 'tests', 'modules')]:
        hash_tree(digest, top)
    versions = sorted(
        f"{d.metadata['Name']}=={d.version}"
        for d in importlib.metadata.distributions()
        if (d.metadata['Name'] or '').lower().startswith(('trytond', 'proteus')))
    digest.update('\n'.join(versions).encode())
    return digest.hexdigest()[:16]


def hash_tree(digest, top):
    "Add the paths and contents of the source files under top to digest."
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not d.endswith('.egg-info'))
        for filename in sorted(filenames):
            if filename.endswith('.pyc'):
                continue
            path = os.path.join(dirpath, filename)
            digest.update(os.path.relpath(path, os.path.dirname(top)).encode())
            with open(path, 'rb') as fp:
                digest.update(hashlib.sha256(fp.read()).digest())


if __name__ == '__main__':
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..')
    print(addons_hash(root))
