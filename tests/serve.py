# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Run trytond as a test server.

    python tests/serve.py <trytond arguments>

(``crm_testing.Server``'s command unless given another wrapper).  Once
trytond is configured, the connections of its SQLite backend are pooled
(``sqlite_pool.py``); the command is trytond's own otherwise.
"""
import sys
from functools import wraps


def run(*hooks):
    """Run trytond's command line with sys.argv's arguments, calling each
    of hooks once trytond is configured (before it imports its backend)."""
    import trytond.config
    update_etc = trytond.config.update_etc
    called = []

    @wraps(update_etc)
    def configured(*args, **kwargs):
        result = update_etc(*args, **kwargs)
        if not called:
            called.append(True)
            for hook in hooks:
                hook()
        return result
    trytond.config.update_etc = configured
    from trytond.cli import main as trytond_main
    sys.argv = ['trytond', *sys.argv[1:]]
    return trytond_main()


if __name__ == '__main__':
    from sqlite_pool import install
    sys.exit(run(install))
