"""Speed-ups of the host that change no result.

``cursor_rows``
    The host's ``trytond.tools.cursor_dict`` asks the cursor for its
    ``description`` for every row it turns into a dict, and psycopg 3
    builds a new column object per column on each call: reading a page
    of 80 accounts (60 columns each) built 4,600 of them.  The names are
    taken once per result (bench/bench_ticket_list.py: the read of
    a page of 80 tickets with their accounts' names, 70 -> see the
    closing figures in bench/README.md).
"""
from trytond import tools
from trytond.model import modelsql

_installed = False


def cursor_rows(cursor, size=None):
    "Yield the rows of cursor as dicts (trytond.tools.cursor_dict)."
    size = cursor.arraysize if size is None else size
    names = None
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            break
        if names is None:
            # (one result: the same columns for all its batches, of one
            # row each by default: psycopg's arraysize is 1)
            names = [d[0] for d in cursor.description]
        for row in rows:
            yield dict(zip(names, row))


def install():
    "Install the speed-ups (once per process)."
    global _installed
    if _installed:
        return
    _installed = True
    tools.cursor_dict = cursor_rows
    modelsql.cursor_dict = cursor_rows
