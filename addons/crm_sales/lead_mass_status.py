"""Mass change of the status of the selected leads (a list action)."""
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .lead import LEAD_STATUSES


class LeadMassStatusStart(ModelView):
    "Choose the status given to the selected leads."
    __name__ = 'crm.lead.mass_status.start'
    __string__ = "Change Lead Status"
    lead_status = fields.Selection(
        LEAD_STATUSES, "Lead Status", required=True, sort=False)


class LeadMassStatus(Wizard):
    "Give one status to the selected leads."
    __name__ = 'crm.lead.mass_status'
    start = StateView(
        'crm.lead.mass_status.start',
        'crm_sales.lead_mass_status_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Change", 'change', 'tryton-ok', default=True),
            ])
    change = StateTransition()

    def transition_change(self):
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        leads = [r for r in self.records if r.state == 'lead']
        # Transitions run without access checks over RPC: the status
        # changes only on leads the user may edit
        with check_access():
            Opportunity.write(leads, {'lead_status': self.start.lead_status})
        return 'end'
