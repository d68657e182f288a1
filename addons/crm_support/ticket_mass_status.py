"""Change Status: move the selected tickets to a status label, through the
workflow's buttons (the transitions they allow, a solution to close)."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import TicketError
from .ticket import STATES

#: The button that brings a ticket to each state
BUTTON_OF_STATE = {
    'open': 'reopen',
    'in_progress': 'start',
    'wait_for_response': 'wait',
    'closed': 'close',
    }


class Ticket(metaclass=PoolMeta):
    __name__ = 'crm.ticket'

    @classmethod
    def change_status(cls, tickets, status, solution=None):
        """Move tickets to the state of status by its button and show
        status; solution is given to the tickets closed without one."""
        moved = [t for t in tickets if t.state != status.state]
        for ticket in moved:
            if (ticket.state, status.state) not in cls._transitions:
                raise TicketError(gettext(
                        'crm_support.msg_ticket_status_transition',
                        ticket=ticket.rec_name, status=status.rec_name,
                        state=dict(STATES)[ticket.state]))
        if solution and status.state == 'closed':
            cls.write([t for t in moved if not t.solution],
                {'solution': solution})
        if moved:
            getattr(cls, BUTTON_OF_STATE[status.state])(moved)
        cls.write(list(tickets), {'status': status.id})


class TicketMassStatusStart(ModelView):
    "Choose the status of the selected tickets"
    __name__ = 'crm.ticket.mass_status.start'
    __string__ = "Change Ticket Status"
    status = fields.Many2One('crm.ticket.status', "Status", required=True)
    status_state = fields.Function(
        fields.Selection(STATES, "State"), 'on_change_with_status_state')
    solution = fields.Text(
        "Solution",
        states={'invisible': Eval('status_state') != 'closed'},
        help="Given to the tickets closed without a solution.")
    records = fields.Integer("Selected Tickets", readonly=True)

    @fields.depends('status')
    def on_change_with_status_state(self, name=None):
        return self.status.state if self.status else None


class TicketMassStatus(Wizard):
    "Change the status of the selected tickets"
    __name__ = 'crm.ticket.mass_status'
    start = StateView(
        'crm.ticket.mass_status.start',
        'crm_support.ticket_mass_status_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Change", 'change', 'tryton-ok', default=True),
            ])
    change = StateTransition()

    def default_start(self, fields):
        return {'records': len(self.records)}

    def transition_change(self):
        Ticket = Pool().get('crm.ticket')
        Ticket.change_status(
            list(self.records), self.start.status,
            solution=self.start.solution)
        return 'end'
