# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The CRM lists fit a screen 1440 pixels wide in sao.

sao gives a list column a minimum width of 10 em (8 for an integer, 9 for
a selection, 3 for a boolean, 2 more with a symbol), times (1 + expand) /
expand with an expand, or its ``width`` in pixels; the table is at least
the sum of the columns shown.  A list em is 13 pixels (its font-size is
small; measured in Chromium).  Beside the menu (350 pixels), the margins
and sao's two narrow columns (selection and optional columns, 30 pixels
each) a screen 1440 pixels wide leaves 1015 pixels (measured)."""
import unittest

from lxml import etree

from crm_core.tests.activation import activate_with_crm
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

#: pixels of an em of a list column in sao
EM_PX = 13
#: the most a list may show by default, in pixels
BUDGET = 1015
WIDGET_EM = {
    'integer': 8, 'selection': 9, 'reference': 20, 'one2many': 5,
    'many2many': 5, 'boolean': 3, 'binary': 20}
#: action -> the columns a rep reads, shown by default
LISTS = {
    ('crm_sales', 'act_lead_form'): {
        'first_name', 'last_name', 'lead_company', 'lead_status',
        'crm_score', 'assigned_user', 'create_date'},
    ('crm_sales', 'act_potential_form'): {
        'description', 'party', 'amount', 'sales_stage', 'crm_score',
        'expected_close_date', 'assigned_user'},
    ('crm_sales', 'act_quote_form'): {
        'number', 'description', 'party', 'quote_stage', 'quotation_expire',
        'total_amount', 'assigned_user'},
    ('crm_sales', 'act_sales_order_form'): {
        'number', 'description', 'party', 'sale_date', 'total_amount',
        'invoice_state', 'assigned_user'},
    ('crm_sales', 'act_quota_form'): {
        'year', 'quarter', 'assigned_user', 'amount'},
    ('crm_core', 'act_account_form'): {
        'name', 'account_type', 'phone', 'assigned_user'},
    ('crm_core', 'act_contact_form'): {
        'first_name', 'last_name', 'account', 'email', 'phone',
        'assigned_user'},
    }


def column_px(column, fields):
    "Return the minimum width sao gives column, in pixels"
    if column.get('width'):
        return int(column.get('width'))
    widget = column.get('widget') or fields[column.get('name')]['type']
    width = WIDGET_EM.get(widget, 10)
    if column.get('symbol'):
        width += 2
    expand = int(column.get('expand') or 0)
    if expand:
        width = width * (1 + expand) / expand
    return width * EM_PX


def shown(column):
    "Whether sao shows column unless the user hides it"
    return (column.get('optional') in {None, '0'}
        and column.get('tree_invisible') in {None, '0'})


class CrmListLayoutTestCase(unittest.TestCase):
    "Test the default columns of the CRM lists"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def list_view(self, module, action_id):
        "Return the arch and fields of the first view of the action"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action.act_window')
        action = Action(ModelData.get_id(module, action_id))
        view_id, view_type = action.views[0]
        self.assertEqual(view_type, 'tree')
        Model = pool.get(action.res_model)
        result = Model.fields_view_get(view_id=view_id)
        return etree.fromstring(result['arch']), result['fields']

    @with_transaction()
    def test_lists_fit_the_screen(self):
        "Each CRM list shows by default at most 1015 pixels, owner included"
        for (module, action_id), read in LISTS.items():
            with self.subTest(action=action_id):
                arch, fields = self.list_view(module, action_id)
                columns = [c for c in arch.xpath('/tree/field') if shown(c)]
                self.assertLessEqual(
                    sum(column_px(c, fields) for c in columns), BUDGET)
                self.assertLessEqual(
                    read, {c.get('name') for c in columns})

    @with_transaction()
    def test_more_columns_one_click_away(self):
        "The columns not shown by default may be shown by the user"
        for (module, action_id), read in LISTS.items():
            with self.subTest(action=action_id):
                arch, _ = self.list_view(module, action_id)
                for column in arch.xpath('/tree/field'):
                    if not shown(column):
                        self.assertEqual(column.get('optional'), '1')
        arch, _ = self.list_view('crm_sales', 'act_lead_form')
        hidden = {
            c.get('name') for c in arch.xpath('/tree/field[@optional="1"]')}
        self.assertLessEqual(
            {'email', 'phone', 'lead_source', 'assigned_team'}, hidden)

    @with_transaction()
    def test_quote_lines_show_their_description(self):
        """The lines of a quote's form show their description (summary) by
        default beside the product: most quote lines have none"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        SaleLine = pool.get('sale.line')
        result = SaleLine.fields_view_get(view_id=ModelData.get_id(
                'sale', 'sale_line_view_tree_sequence'))
        arch = etree.fromstring(result['arch'])
        shown_names = {c.get('name') for c in arch.xpath('/tree/field')
            if shown(c)}
        self.assertLessEqual({'product', 'summary', 'quantity', 'unit_price',
                'taxes', 'amount'}, shown_names)
