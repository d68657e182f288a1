# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Category report: the reports (``ir.action.report``) of hidden records.

Every report of a model with hidden records is executed on the hidden
records and on the attacker's records pointing to them (bridges).
"""
from crm_testing import RpcError


class ReportMixin:
    "The reports printed on hidden records"

    def reports(self):
        world = self.world
        models = [m for m, ids in world.hidden.items() if ids]
        try:
            reports = world.admin.model('ir.action.report', 'search_read',
                [('model', 'in', models)], 0, None, None,
                ['report_name', 'model'])
        except RpcError:
            reports = []
        for report in sorted(reports, key=lambda r: r['report_name']):
            # not only the reports of listMethods: the server makes a generic
            # report for an action without a class of its own
            name, model = report['report_name'], report['model']
            # the hidden records, and the attacker's pointing to them
            bridges = sorted({b for (m, _), bridge in world.bridges.items()
                    if m == model for b, _ in bridge['hidden']})
            for h in world.sample(model) + bridges:
                yield self.gen('report', model, f'report {name}',
                    f'report.{name}.execute', [[h], {}],
                    context=self.ctx_for(model, h))
