# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Key metrics: the counts of saved searches a user watches on its home.

A metric names a window (``ir.action.act_window``: *My Draft Quotes*,
*Overdue Activities* ...) and, optionally, a search of its own on top of
the window's filter, as the search bar writes it (a PYSON domain, as the
host's saved searches ``ir.ui.view_search`` keep them).  Its count is the
number of records of that search the user may read (searched as the user,
with its rules); opening it (a double click in the *Key Metrics* block, or
the row's button) opens the window with the same filter, so the list
shows exactly the records counted.  Metrics belong to a user or to a role
(templates copied with the role's dashboards), as dashboards do.
"""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pool import Pool
from trytond.pyson import PYSON, Eval, PYSONDecoder, PYSONEncoder
from trytond.transaction import Transaction, check_access
from trytond.wizard import StateAction, Wizard

from .dashboard import (
    DashboardValidationError, UserOrRoleMixin, active_model)

#: The counts stop there: a metric shows "1000+" beyond (a count of every
#: match costs as much as reading them on a large table)
COUNT_LIMIT = 1000


def decode_domain(pyson, user_id, noeval=False):
    """Return the domain of the PYSON string pyson as the client evaluates
    it for user_id (``_user`` and the context)."""
    if not pyson:
        return []
    context = Transaction().context
    env = dict(context, _user=user_id, context=context)
    return PYSONDecoder(env, noeval=noeval).decode(pyson)


class Metric(UserOrRoleMixin, sequence_ordered(), ModelSQL, ModelView):
    "A count of a saved search shown among a user's key metrics"
    __name__ = 'crm.dashboard.metric'
    __string__ = "Key Metric"
    name = fields.Char("Name", required=True, translate=True)
    action = fields.Many2One(
        'ir.action.act_window', "Window", required=True, ondelete='CASCADE',
        domain=[
            ('res_model', '!=', None),
            ('res_model', '!=', ''),
            ['OR',
                ('groups', 'in', Eval('context', {}).get(
                        'groups', [])),
                ('groups', '=', None),
                ],
            ],
        help="The list whose records are counted and opened.")
    domain = fields.Char(
        "Search",
        help="A filter on top of the window's, as a PYSON domain "
        "(the search bar's saved searches).")
    count = fields.Function(fields.Char("Count"), 'get_count')
    #: What a user's copy of a template takes from it
    _template_fields = ['name', 'sequence', 'action', 'domain']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'open_records': {'icon': 'tryton-forward'},
                })

    def records_domain(self, user_id):
        "Return the domain of the records the metric counts for user_id."
        domain = decode_domain(self.action.pyson_domain, user_id)
        if self.domain:
            domain = [domain, decode_domain(self.domain, user_id)]
        return domain

    @classmethod
    def get_count(cls, metrics, name):
        "The number of records the user may read, '1000+' beyond"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        user_id = Transaction().user
        counts = {}
        for metric in metrics:
            counts[metric.id] = None
            Model = active_model(metric.action.res_model)
            if Model is None or not hasattr(Model, 'search_count'):
                continue
            with check_access():
                if not ModelAccess.check(
                        Model.__name__, 'read', raise_exception=False):
                    continue
                count = Model.search_count(
                    metric.records_domain(user_id), limit=COUNT_LIMIT + 1)
            counts[metric.id] = (
                '%s+' % COUNT_LIMIT if count > COUNT_LIMIT else str(count))
        return counts

    @classmethod
    def validate_fields(cls, metrics, field_names):
        super().validate_fields(metrics, field_names)
        if field_names and not field_names & {'action', 'domain'}:
            return
        cls.check_search(metrics)

    @classmethod
    def check_search(cls, metrics):
        """Refuse a search that does not parse, or names what its type
        does not have, and a window of a module not activated."""
        for metric in metrics:
            Model = active_model(metric.action.res_model)
            if Model is None:
                raise DashboardValidationError(gettext(
                        'crm_core.msg_dashboard_block_module_inactive',
                        block=metric.action.rec_name))
            if not metric.domain:
                continue
            try:
                encoded = decode_domain(metric.domain, 0, noeval=True)
                if isinstance(encoded, PYSON) or not isinstance(encoded, list):
                    raise ValueError(encoded)
                domain = decode_domain(metric.domain, 0)
                fields.domain_validate(domain)
                # (converting the domain checks its fields and operators)
                Model.search(domain, limit=1, order=[], query=True)
            except Exception as exception:
                raise DashboardValidationError(gettext(
                        'crm_core.msg_dashboard_metric_invalid_search',
                        metric=metric.rec_name,
                        search=metric.domain)) from exception

    @classmethod
    @ModelView.button
    def open_records(cls, metrics):
        "Open the window of the metric on the records it counts."
        if metrics:
            return metrics[0].action_value()

    def action_value(self):
        "Return the window of the metric with its search added."
        pool = Pool()
        Action = pool.get('ir.action')
        value, = Action.get_action_values(
            'ir.action.act_window', [self.action.id])
        if self.domain:
            decoder = PYSONDecoder(noeval=True)
            value['pyson_domain'] = PYSONEncoder().encode([
                    decoder.decode(value['pyson_domain'] or '[]'),
                    decoder.decode(self.domain)])
        value['name'] = self.name
        return value


class OpenMetric(Wizard):
    "Open the records a key metric counts (a double click on the metric)"
    __name__ = 'crm.dashboard.metric.open'
    start = StateAction('crm_core.act_dashboard_metric_form')

    def do_start(self, action):
        return self.record.action_value(), {}
