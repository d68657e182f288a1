# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Every column of the CRM's lists is one sao can draw.

sao builds a list column from the widget of the field (its type when the
view names none) and stops drawing the whole view on a widget it lacks: a
datetime or timestamp column needs widget "date" or "time", as the host's
own lists show them."""
import re

import pytest
from lxml import etree

from crm_testing import ROOT
from trytond.pool import Pool

SAO = ROOT / 'sao' / 'dist' / 'tryton-sao.js'


def _sao_columns():
    "The widgets of sao's list columns (TreeXMLViewParser.WIDGETS)"
    source = SAO.read_text()
    block = re.search(
        r'Sao\.View\.TreeXMLViewParser\.WIDGETS = \{(.*?)\};', source,
        re.S).group(1)
    return set(re.findall(r"'([a-z0-9_]+)':", block))


@pytest.mark.skipif(not SAO.exists(), reason="sao is not installed")
def test_list_columns_drawn_by_sao(crm_transaction):
    "The fields of every CRM tree view have a widget of sao's lists"
    pool = Pool()
    View = pool.get('ir.ui.view')
    columns = _sao_columns()
    assert {'char', 'date', 'time', 'many2one'} <= columns
    views = View.search([
            ('type', '=', 'tree'), ('module', 'like', 'crm_%')])
    assert views
    missing = []
    for view in views:
        Model = pool.get(view.model)
        arch = Model.fields_view_get(view_id=view.id)
        fields = arch['fields']
        for node in etree.fromstring(arch['arch']).iter('field'):
            name = node.get('name')
            widget = node.get('widget') or fields[name]['type']
            if widget not in columns:
                missing.append((view.model, view.name, name, widget))
    assert not missing, missing
