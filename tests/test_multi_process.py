"""Two trytond processes on one PostgreSQL database see each other's writes.

This is how the CRM scales out (several stateless workers on a shared
PostgreSQL); caches must not serve one process stale data from the other.
Run by the PostgreSQL pass (``make test DB=postgresql``), skipped on
SQLite (``pg_crm_db``)."""
import pytest

from crm_testing import ADMIN_LOGIN, ADMIN_PASSWORD, JsonRpc, Server


@pytest.fixture(scope='module')
def two_servers(pg_crm_db, tmp_path_factory):
    workdir = tmp_path_factory.mktemp('multi_process')
    servers = []
    try:
        for _ in range(2):
            servers.append(Server(pg_crm_db, workdir))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _client(server):
    rpc = JsonRpc(server.url, server.database)
    rpc.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    return rpc


def test_write_on_one_read_on_other(two_servers):
    first, second = map(_client, two_servers)
    assert two_servers[0].url != two_servers[1].url

    party_id, = first.model('party.party', 'create', [{'name': "Multi A"}])
    party, = second.model('party.party', 'read', [party_id], ['name'])
    assert party['name'] == "Multi A"

    second.model('party.party', 'write', [party_id], {'name': "Multi B"})
    party, = first.model('party.party', 'read', [party_id], ['name'])
    assert party['name'] == "Multi B"

    first.model('party.party', 'delete', [party_id])
    assert second.model(
        'party.party', 'search', [('id', '=', party_id)], 0, None, None) == []
