"""Mass re-assignment of CRM records from a list."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import ReassignError
from .ownership import OwnedMixin


class ReassignStart(ModelView):
    "Choose the new owner of the selected records"
    __name__ = 'crm.reassign.start'
    __string__ = "Re-assign"
    assigned_user = fields.Many2One('res.user', "Assign To User")
    assigned_team = fields.Many2One('crm.team', "Assign To Team")
    records = fields.Integer("Selected Records", readonly=True)


class Reassign(Wizard):
    "Re-assign the selected CRM records to another user or team"
    __name__ = 'crm.reassign'
    start = StateView('crm.reassign.start', 'crm_core.reassign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Re-assign", 'reassign', 'tryton-ok', default=True),
            ])
    reassign = StateTransition()

    def default_start(self, fields):
        return {'records': len(self.records)}

    def transition_reassign(self):
        Model = self.model
        if not issubclass(Model, OwnedMixin):
            raise ReassignError(gettext(
                    'crm_core.msg_reassign_not_owned',
                    model=Model.__names__()['model']))
        # Transitions run without access checks over RPC: the profile and
        # the rules of the user apply as to any write of the user
        with check_access():
            self._reassign(Model)
        return 'end'

    def _reassign(self, Model):
        pool = Pool()
        User = pool.get('res.user')
        if (Transaction().check_access
                and not User.crm_has_permission('reassign', Model.__name__)):
            raise ReassignError(gettext('crm_core.msg_reassign_denied'))
        if not self.start.assigned_user and not self.start.assigned_team:
            raise ReassignError(gettext('crm_core.msg_reassign_no_owner'))
        Model.write(list(self.records), {
                'assigned_user': (
                    self.start.assigned_user.id
                    if self.start.assigned_user else None),
                'assigned_team': (
                    self.start.assigned_team.id
                    if self.start.assigned_team else None),
                })
