"""Updating the modules regenerates the sharing rules of an existing
database from the code, and keeps the access the administrator chose."""
import os
import sqlite3
from urllib.parse import urlsplit

from crm_testing import Database


def _sql(database, query):
    "Run query on database and return its rows."
    if database.backend == 'sqlite':
        path = database.path / f'{database.name}.sqlite'
        with sqlite3.connect(path) as conn:
            rows = conn.execute(query).fetchall()
        return rows
    import psycopg
    parts = urlsplit(database.uri)
    with psycopg.connect(
            host=parts.hostname, port=parts.port, user=parts.username,
            password=parts.password, dbname=database.name,
            autocommit=True) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


SHARED_RULES = (
    "SELECT r.domain FROM ir_rule r JOIN ir_rule_group g "
    "ON g.id = r.rule_group WHERE g.crm_sharing IS NOT NULL")


def test_update_regenerates_rules(crm_db, tmp_path):
    "An outdated rule domain is replaced, the chosen access survives"
    database = Database(tmp_path, crm_db.uri)
    # from the cache crm_db was built into
    database.build(os.environ.get('DB_CACHE'))
    try:
        # as a database made by an older version would hold them
        _sql(database, "UPDATE ir_rule SET domain = '[]' WHERE rule_group "
            "IN (SELECT id FROM ir_rule_group WHERE crm_sharing IS NOT NULL)")
        _sql(database, "UPDATE crm_sharing SET access = 'public_read'")
        assert {d for d, in _sql(database, SHARED_RULES)} == {'[]'}

        database.admin('-u', 'crm_core')

        domains = [d for d, in _sql(database, SHARED_RULES)]
        # (the read rules name the owners shared read only too)
        assert domains and all(
            'crm_users' in d or 'crm_read_users' in d for d in domains)
        assert any('crm_read_users' in d for d in domains)
        assert {a for a, in _sql(database, "SELECT access FROM crm_sharing")
            } == {'public_read'}
    finally:
        database.drop()
