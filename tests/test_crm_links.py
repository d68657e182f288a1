# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""CRM links open the CRM form of their record type (crm_core/party_view).

sao opens a Many2One's record (from a form or a list cell) in a form it asks
``fields_view_get`` for without view id and with the context of the field:
the field's definition must carry the CRM type, and the party must answer
that context with the CRM form of the type."""
import pytest

from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.transaction import Transaction


def _view(model, xml_id):
    "The fields_view_get of the view xml_id of model"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    return pool.get(model).fields_view_get(
        view_id=ModelData.get_id(*xml_id.split('.')))


def _context_type(view, name):
    "The CRM type in the context the client gets for field name of view"
    context = PYSONDecoder(noeval=True).decode(
        view['fields'][name]['context'])
    return context.get('crm_type')


def _opened_form(crm_type):
    "The XML id of the form sao gets opening a party with crm_type"
    pool = Pool()
    Party = pool.get('party.party')
    ModelData = pool.get('ir.model.data')
    with Transaction().set_context(crm_type=crm_type):
        view = Party.fields_view_get(view_type='form')
    data, = ModelData.search([
            ('model', '=', 'ir.ui.view'),
            ('db_id', '=', view['view_id']),
            ])
    return f'{data.module}.{data.fs_id}'


@pytest.mark.parametrize('view, field, crm_type', [
        # The potential's contact, in its form and its list
        ('crm_sales.potential_view_form', 'crm_contact', 'contact'),
        ('crm_sales.potential_view_list', 'crm_contact', 'contact'),
        # Contact roles
        ('crm_sales.potential_contact_role_view_form', 'contact', 'contact'),
        ('crm_sales.potential_contact_role_view_list', 'contact', 'contact'),
        # The account's parent and contacts, the contact's account and boss
        ('crm_core.account_view_form', 'parent_account', 'account'),
        ('crm_core.account_view_form', 'contacts', 'contact'),
        ('crm_core.contact_view_form', 'account', 'account'),
        ('crm_core.contact_view_form', 'reports_to', 'contact'),
        ('crm_core.contact_view_list', 'account', 'account'),
        # A later module's field, by its domain alone (lead conversion)
        ('crm_sales.lead_convert_start_view_form', 'account', 'account'),
        ('crm_sales.lead_convert_start_view_form', 'contact', 'contact'),
        ])
def test_link_opens_crm_form(crm_transaction, view, field, crm_type):
    "A CRM link gives the client the context that opens the CRM form"
    model = Pool().get('ir.ui.view')(
        Pool().get('ir.model.data').get_id(*view.split('.'))).model
    definition = _view(model, view)
    assert _context_type(definition, field) == crm_type
    assert _opened_form(crm_type) == f'crm_core.{crm_type}_view_form'


def test_potential_account_opens_account_form(crm_transaction):
    "The account of a potential opens the CRM account form"
    for view in ['crm_sales.potential_view_form',
            'crm_sales.potential_view_list']:
        assert _context_type(_view('sale.opportunity', view), 'party') == (
            'account')


def test_origin_lead_opens_potential_form(crm_transaction):
    """The lead an account or contact was converted from (a potential
    now) opens the CRM potential form, an opportunity without it the
    host's"""
    pool = Pool()
    Opportunity = pool.get('sale.opportunity')
    ModelData = pool.get('ir.model.data')
    definition = _view('party.party', 'crm_core.contact_view_form')
    context = PYSONDecoder(noeval=True).decode(
        definition['fields']['crm_origin_lead']['context'])
    assert context['crm_opportunity_form'] == 'potential'
    potential_form = ModelData.get_id('crm_sales', 'potential_view_form')
    with Transaction().set_context(context):
        assert Opportunity.fields_view_get(
            view_type='form')['view_id'] == potential_form
    assert Opportunity.fields_view_get(
        view_type='form')['view_id'] != potential_form


def test_party_form_without_type(crm_transaction):
    "A party opened without CRM type gets the host's form, as before"
    pool = Pool()
    Party = pool.get('party.party')
    ModelData = pool.get('ir.model.data')
    crm_forms = {
        ModelData.get_id('crm_core', 'account_view_form'),
        ModelData.get_id('crm_core', 'contact_view_form'),
        }
    for context in [{}, {'crm_type': None}, {'crm_type': ['account']}]:
        with Transaction().set_context(context):
            view = Party.fields_view_get(view_type='form')
        assert view['view_id'] not in crm_forms, context
    # An explicit view wins over the context
    host_form = view['view_id']
    with Transaction().set_context(crm_type='account'):
        assert Party.fields_view_get(
            view_id=host_form, view_type='form')['view_id'] == host_form
        # and the lists are unchanged
        assert Party.fields_view_get(view_type='tree')['view_id'] not in {
            ModelData.get_id('crm_core', 'account_view_list')}


def test_host_party_links_unchanged(crm_transaction):
    "A link to parties without CRM type (the host's) gets no CRM type"
    Party = Pool().get('party.party')
    fields = Party.fields_get(['replaced_by', 'account', 'child_accounts'])
    assert 'crm_type' not in PYSONDecoder(noeval=True).decode(
        fields['replaced_by']['context'])
    assert 'crm_type' not in PYSONDecoder(noeval=True).decode(
        fields['child_accounts']['context'])
    # The company context of the field is kept beside the type
    context = PYSONDecoder(noeval=True).decode(fields['account']['context'])
    assert context['crm_type'] == 'account' and 'company' in context
