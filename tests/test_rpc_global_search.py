"""The global search (sao's search box) through JSON-RPC over HTTP.

Two sales reps and their manager on a running server.  Each rep owns an
account, a contact, a lead, a potential, a quote and a ticket named after
the rep's word and "Zephyr" (shared privately); a FAQ is shared read only.
Called as sao calls it (``model.ir.model.global_search(text, limit,
menu)`` with the user's context), a rep gets its own records, grouped by
type in the CRM's order, at most five a type, each opening as sao opens
it; nothing of the other rep's, not even a count."""
import pytest

from crm_testing import (
    ADMIN_LOGIN, ADMIN_PASSWORD, EURO, JsonRpc, RpcError, setup_people)

PASSWORD = 'Rpc-search-Pass-42'
REPS = {'search.rep1': "Alpha", 'search.rep2': "Bravo"}
#: The types in the order of their results: (model, window)
TYPES = [
    ('party.party', "Accounts"),
    ('party.party', "Contacts"),
    ('sale.opportunity', "Leads"),
    ('sale.opportunity', "Potentials"),
    ('sale.sale', "Quotes"),
    ('crm.ticket', "Tickets"),
    ('crm.faq', "FAQ"),
    ]
#: sao's limit (Sao.config.limit) and menu model
SAO_LIMIT = 1000
MENU = 'ir.ui.menu'


@pytest.fixture(scope='module')
def search_world(crm_server):
    "The users, the records of each rep (by type) and a FAQ"
    admin = JsonRpc(crm_server.url, crm_server.database)
    admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)

    from crm_core.tests.tools import CrmCompany, CrmPeople, CrmUser
    groups = ("CRM Sales", "CRM Support")
    world = setup_people(admin, CrmPeople(
            company=CrmCompany("RPC Search Company", EURO, admin=True),
            users=(
                CrmUser('search.rep1', "Sales Rep", "CRM Staff",
                    groups=groups, password=PASSWORD),
                CrmUser('search.rep2', "Sales Rep", "CRM Staff",
                    groups=groups, password=PASSWORD),
                CrmUser('search.manager', "Sales Manager", "CRM Manager",
                    groups=groups, password=PASSWORD),
                )))
    for model in ['party.party', 'sale.opportunity', 'sale.sale',
            'crm.ticket']:
        sharing, = admin.model(
            'crm.sharing', 'search', [('model', '=', model)], 0, 1, None)
        admin.model('crm.sharing', 'write', [sharing], {'access': 'private'})

    records = {}
    for login, word in REPS.items():
        owner = {'assigned_user': world.users[login]}
        account, = admin.model('party.party', 'create', [{
                    'name': f"Zephyr {word} Ltd", 'crm_type': 'account',
                    'crm_company': world.company, **owner}])
        contact, = admin.model('party.party', 'create', [{
                    'first_name': "Zoe", 'last_name': f"Zephyr-{word}",
                    'crm_type': 'contact', 'crm_company': world.company,
                    'account': account, **owner}])
        lead, = admin.model('sale.opportunity', 'create', [{
                    'last_name': f"Zephyr {word}",
                    'lead_company': f"{word} Zephyr Inc", **owner}],
            context={'crm_lead': True})
        potential, = admin.model('sale.opportunity', 'create', [{
                    'crm_lead': True, 'state': 'opportunity',
                    'party': account, 'description': f"Zephyr {word} deal",
                    **owner}])
        quote, = admin.model('sale.sale', 'create', [{
                    'party': account, 'description': f"Zephyr {word} quote",
                    **owner}])
        tickets = admin.model('crm.ticket', 'create', [{
                    'title': f"Zephyr {word} printer jam {i}", **owner}
                for i in range(7)])
        records[login] = {
            "Accounts": [account], "Contacts": [contact], "Leads": [lead],
            "Potentials": [potential], "Quotes": [quote],
            "Tickets": tickets,
            }
    faq, = admin.model('crm.faq', 'create', [{
                'question': "How do I clear a Zephyr printer jam?",
                'assigned_user': world.users['search.manager']}])

    clients = {}
    for login in world.users:
        clients[login] = JsonRpc(crm_server.url, crm_server.database)
        clients[login].login(login, PASSWORD)
    return {'admin': admin, 'clients': clients, 'records': records,
        'faq': faq}


def global_search(rpc, text, limit=SAO_LIMIT):
    "What sao's search box gets for text (Sao.GlobalSearch.update)"
    return rpc.model('ir.model', 'global_search', text, limit, MENU)


def grouped(results):
    "The CRM results as [(window, [ids])], in their order"
    groups = []
    for _, model, window, id_, _, _ in results:
        if model == MENU:
            continue
        if not groups or groups[-1][0] != window:
            groups.append((window, []))
        groups[-1][1].append(id_)
    return groups


def test_rep_gets_its_records_grouped(search_world):
    """Each type once, in the CRM's order, the rep's own records only, at
    most five a type"""
    for login in REPS:
        rpc = search_world['clients'][login]
        results = global_search(rpc, "zephyr")
        groups = grouped(results)
        assert [w for w, _ in groups] == [w for _, w in TYPES], login
        own = search_world['records'][login]
        for window, ids in groups:
            if window == "FAQ":
                assert ids == [search_world['faq']]
            elif window == "Tickets":
                assert len(ids) == 5
                assert set(ids) <= set(own[window])
            else:
                assert ids == own[window], (login, window)
        # The host's tuples, with the model of each type
        models = dict((w, m) for m, w in TYPES)
        for ratio, model, window, id_, name, icon in results:
            assert isinstance(ratio, float)
            assert model == models[window]
            assert "Zephyr" in name and isinstance(icon, str)
        other, = set(REPS) - {login}
        names = " ".join(r[4] for r in results)
        assert REPS[other] not in names


def test_rep_learns_nothing_of_another_rep(search_world):
    "The other rep's word finds nothing but what is shared"
    rep1 = search_world['clients']['search.rep1']
    assert grouped(global_search(rep1, "bravo")) == []
    assert grouped(global_search(rep1, "Zephyr Bravo")) == []
    # Its own tickets and the FAQ (shared with everybody)
    (tickets, ticket_ids), faq = grouped(global_search(rep1, "printer jam"))
    assert tickets == "Tickets" and len(ticket_ids) == 5
    assert set(ticket_ids) <= set(
        search_world['records']['search.rep1']["Tickets"])
    assert faq == ("FAQ", [search_world['faq']])


def test_manager_gets_both(search_world):
    "The manager sees the records of both reps, five tickets at most"
    manager = search_world['clients']['search.manager']
    groups = dict(grouped(global_search(manager, "zephyr")))
    records = search_world['records']
    for window in ["Accounts", "Contacts", "Leads", "Potentials", "Quotes"]:
        assert sorted(groups[window]) == sorted(
            records['search.rep1'][window] + records['search.rep2'][window])
    assert len(groups["Tickets"]) == 5
    assert groups["FAQ"] == [search_world['faq']]


def test_limit(search_world):
    "The limit sao gives holds over every type"
    rep1 = search_world['clients']['search.rep1']
    results = global_search(rep1, "zephyr", 3)
    assert [r[2] for r in results] == ["Accounts", "Contacts", "Leads"]
    with pytest.raises(RpcError):
        global_search(rep1, "zephyr", 0)


def test_results_open(search_world):
    """Each result opens as sao opens it (Sao.Tab.create: the form of the
    model, then the record read)"""
    rep1 = search_world['clients']['search.rep1']
    for _, model, _, id_, name, _ in global_search(rep1, "zephyr"):
        view = rep1.model(model, 'fields_view_get', None, 'form')
        assert view['type'] == 'form'
        record, = rep1.model(model, 'read', [id_], ['rec_name'])
        assert record['id'] == id_
