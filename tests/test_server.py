"""The HTTP API of a running trytond answers and logs users in.

Guards the trytond 8.0.12 regression where a server started without
``-d <db>`` failed every login with ``KeyError: 'res.user'``."""
import pytest

from crm_testing import ADMIN_LOGIN, JsonRpc, RpcError


def test_server_version(crm_server):
    rpc = JsonRpc(crm_server.url, crm_server.database)
    assert rpc.server_version().startswith('8.0')


def test_admin_login_and_read(admin_rpc):
    user, = admin_rpc.model(
        'res.user', 'read', [admin_rpc.user_id], ['login', 'name'])
    assert user['id'] == admin_rpc.user_id
    assert user['login'] == ADMIN_LOGIN


def test_wrong_password_refused(crm_server):
    rpc = JsonRpc(crm_server.url, crm_server.database)
    with pytest.raises(RpcError) as info:
        rpc.login(ADMIN_LOGIN, 'not-the-password')
    assert info.value.status in {401, 403, 429}
    assert rpc.session is None


def test_call_without_session_refused(crm_server):
    rpc = JsonRpc(crm_server.url, crm_server.database)
    with pytest.raises(RpcError) as info:
        rpc.model('res.user', 'read', [1], ['login'])
    assert info.value.status in {401, 403}
