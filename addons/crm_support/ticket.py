"""Trouble tickets: a customer's problem from its report to its solution.

A ticket moves through fixed states (Open, In Progress, Wait For Response,
Closed) by buttons; each state shows one of the configurable status labels
(``crm.ticket.status``).  Closing requires a solution, reopening is allowed
and kept in the ticket's history (``crm_core``'s ``TrackedMixin``), with
every change of status, priority, severity, owner and solution.  Comments
are the host's chat, internal or for the customer (``response.py`` stores
the first response); tickets are owned and shared (``OwnedMixin``).
"""
import datetime

from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, DeactivableMixin, Index, ModelSQL, ModelView, Workflow,
    fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from crm_core.global_search import GlobalSearchMixin, SearchType
from crm_core.ownership import OwnedMixin
from crm_core.server_fields import ServerFieldsMixin
from crm_core.tracking import TrackedMixin

from .exceptions import TicketError

STATES = [
    ('open', "Open"),
    ('in_progress', "In Progress"),
    ('wait_for_response', "Wait For Response"),
    ('closed', "Closed"),
    ]
PRIORITIES = [
    ('low', "Low"),
    ('normal', "Normal"),
    ('high', "High"),
    ('urgent', "Urgent"),
    ]
SEVERITIES = [
    (None, ""),
    ('minor', "Minor"),
    ('major', "Major"),
    ('feature', "Feature"),
    ('critical', "Critical"),
    ]
CHANNELS = [
    (None, ""),
    ('email', "E-mail"),
    ('phone', "Phone"),
    ('web', "Web"),
    ('portal', "Portal"),
    ]
_CLOSED = {'readonly': Eval('state') == 'closed'}


class TicketCategory(
        DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A category of tickets (Big Problem, Small Problem ...)"
    __name__ = 'crm.ticket.category'
    __string__ = "Ticket Category"
    name = fields.Char("Name", required=True, translate=True)


class TicketStatus(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    """A status label shown for a state of the tickets: the first of a state
    is given to the tickets reaching it."""
    __name__ = 'crm.ticket.status'
    __string__ = "Ticket Status"
    name = fields.Char("Name", required=True, translate=True)
    state = fields.Selection(STATES, "State", required=True,
        help="The fixed state of the workflow this label stands for.")

    @classmethod
    def first_of_state(cls, state):
        "Return the id of the first label of state (None if none)."
        with without_check_access():
            statuses = cls.search([('state', '=', state)], limit=1)
        return statuses[0].id if statuses else None


class Ticket(
        GlobalSearchMixin, ServerFieldsMixin, TrackedMixin, OwnedMixin,
        ChatMixin, Workflow, ModelSQL, ModelView):
    "Trouble Ticket"
    __name__ = 'crm.ticket'
    __string__ = "Ticket"
    _rec_name = 'number'
    _crm_tracked_fields = [
        'state', 'status', 'priority', 'severity', 'assigned_user',
        'assigned_team', 'solution']
    _crm_server_fields = {
        'number', 'state', 'split_from', 'merged_into',
        'first_response_date', 'first_response_time', 'closed_date',
        'resolution_time', 'reopened'}

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states={'readonly': Eval('id', -1) >= 0})
    number = fields.Char("Number", readonly=True)
    title = fields.Char("Title", required=True, states=_CLOSED)
    account = fields.Many2One(
        'party.party', "Account", ondelete='RESTRICT',
        domain=[
            ('crm_type', '=', 'account'),
            ('crm_company', '=', Eval('company', -1)),
            ],
        states=_CLOSED)
    contact = fields.Many2One(
        'party.party', "Contact", ondelete='RESTRICT',
        domain=[
            ('crm_type', '=', 'contact'),
            If(Eval('account'),
                ('account', '=', Eval('account', -1)),
                ()),
            ],
        states=_CLOSED)
    product = fields.Many2One(
        'product.product', "Product", ondelete='RESTRICT', states=_CLOSED)
    priority = fields.Selection(PRIORITIES, "Priority", required=True,
        sort=False)
    severity = fields.Selection(SEVERITIES, "Severity", sort=False)
    category = fields.Many2One(
        'crm.ticket.category', "Category", ondelete='RESTRICT')
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    status = fields.Many2One(
        'crm.ticket.status', "Status", ondelete='RESTRICT',
        domain=[('state', '=', Eval('state'))],
        help="The label of the ticket's state.")
    channel = fields.Selection(CHANNELS, "Channel", sort=False)
    description = fields.Text("Description", states=_CLOSED)
    solution = fields.Text("Solution",
        states={'required': Eval('state') == 'closed'})
    hours = fields.Numeric(
        "Hours", digits=(16, 2), domain=[
            If(Eval('hours'), ('hours', '>=', 0), ())])
    days = fields.Numeric(
        "Days", digits=(16, 2), domain=[
            If(Eval('days'), ('days', '>=', 0), ())])
    split_from = fields.Many2One(
        'crm.ticket', "Split From", readonly=True, ondelete='SET NULL')
    merged_into = fields.Many2One(
        'crm.ticket', "Merged Into", readonly=True, ondelete='SET NULL')
    faqs = fields.Many2Many(
        'crm.faq-crm.ticket', 'ticket', 'faq', "FAQ",
        domain=[('company', '=', Eval('company', -1))])
    first_response_date = fields.Timestamp(
        "First Response", readonly=True,
        help="When the customer was first answered (a comment for the "
        "customer or an e-mail).")
    first_response_time = fields.TimeDelta(
        "First Response Time", readonly=True)
    closed_date = fields.Timestamp("Closed", readonly=True)
    resolution_time = fields.TimeDelta(
        "Resolution Time", readonly=True,
        help="From the creation of the ticket to its last closing.")
    reopened = fields.Integer("Reopened", readonly=True,
        help="How many times the ticket was reopened.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        open_ = t.state != 'closed'
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                # The global search of tickets by title (crm_core's
                # global_search.py): each of its clauses read the 150k
                # tickets of bench/bench_global_search.py at 1M records
                # (admin: 440 -> 4 ms for the tickets)
                Index(t, (Index.Unaccent(t.title), Index.Similarity())),
                Index(t, (t.account, Index.Range())),
                Index(t, (t.contact, Index.Range())),
                # The open tickets, newest first: the tabs of the list and
                # their counts (most tickets are closed).  bench/
                # bench_ticket_list.py at 100,000 tickets: the admin's
                # search 55 ms with a sequential scan.  The owner and team
                # included: the rep's count of My Open (owner, team and
                # sharing rule) filters in the index alone, at 1M tickets
                # 12 -> 5 ms (it read the rows of 54k tickets)
                Index(t, (t.create_date, Index.Range(order='DESC')),
                    include=[t.assigned_user, t.assigned_team],
                    where=open_),
                Index(t,
                    (t.assigned_user, Index.Equality()),
                    (t.create_date, Index.Range(order='DESC')),
                    where=open_),
                Index(t,
                    (t.assigned_team, Index.Equality()),
                    (t.create_date, Index.Range(order='DESC')),
                    where=open_),
                })
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('open', 'in_progress'),
            ('open', 'wait_for_response'),
            ('open', 'closed'),
            ('in_progress', 'wait_for_response'),
            ('in_progress', 'closed'),
            ('wait_for_response', 'in_progress'),
            ('wait_for_response', 'closed'),
            ('closed', 'open'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': ~Eval('state').in_(
                        ['open', 'wait_for_response']),
                    'depends': ['state'],
                    },
                'wait': {
                    'invisible': ~Eval('state').in_(['open', 'in_progress']),
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_status(cls):
        return Pool().get('crm.ticket.status').first_of_state('open')

    @classmethod
    def default_priority(cls):
        return 'normal'

    @classmethod
    def default_reopened(cls):
        return 0

    @fields.depends('account', 'contact')
    def on_change_account(self):
        if self.contact and self.contact.account != self.account:
            self.contact = None

    @fields.depends('contact', 'account')
    def on_change_contact(self):
        if self.contact and not self.account:
            self.account = self.contact.account

    @classmethod
    def crm_global_search_types(cls):
        return super().crm_global_search_types() + [
            SearchType(60, 'crm_support.act_ticket_form', [], 'crm-ticket',
                'title'),
            ]

    def get_rec_name(self, name):
        if self.number:
            return f'{self.number} {self.title}'
        return self.title

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('number', operator, value),
            ('title', operator, value),
            ]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            company = values.get('company', cls.default_company())
            sequence = Configuration(1).get_multivalue(
                'ticket_sequence', company=company)
            if sequence:
                values['number'] = sequence.get()
        return values

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number')
        default.setdefault('state', 'open')
        default.setdefault('status', cls.default_status())
        default.setdefault('solution')
        default.setdefault('merged_into')
        # a duplicate splits the ticket: it links back to it
        default.setdefault('split_from', lambda data: data['id'])
        default.setdefault('faqs')
        for name in ['first_response_date', 'first_response_time',
                'closed_date', 'resolution_time']:
            default.setdefault(name)
        default.setdefault('reopened', 0)
        return super().copy(tickets, default=default)

    @classmethod
    def write(cls, *args):
        # A new state shows its first label (in the same write: the label
        # must be of the state)
        Status = Pool().get('crm.ticket.status')
        actions = iter(args)
        args = []
        for tickets, values in zip(actions, actions):
            if 'state' in values and 'status' not in values:
                values = values.copy()
                values['status'] = Status.first_of_state(values['state'])
            args.extend((tickets, values))
        super().write(*args)

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if field_names is not None and 'state' not in field_names:
            return values
        if self.state == 'closed' and not self.closed_date:
            now = datetime.datetime.now()
            values['closed_date'] = now
            values['resolution_time'] = now - self.create_date
        elif self.state != 'closed' and self.closed_date:
            values['closed_date'] = None
            values['resolution_time'] = None
        return values

    @classmethod
    def _validate(cls, tickets, field_names=None):
        # The CRM's messages say why, before the generic ones of the
        # fields' domains
        cls.check_account(tickets, field_names)
        cls.check_status(tickets, field_names)
        super()._validate(tickets, field_names=field_names)

    @classmethod
    def validate_fields(cls, tickets, field_names):
        super().validate_fields(tickets, field_names)
        cls.check_solution(tickets, field_names)

    @classmethod
    def check_solution(cls, tickets, field_names=None):
        "A closed ticket has a solution."
        if field_names and not {'state', 'solution'} & field_names:
            return
        cls.check_closable([t for t in tickets if t.state == 'closed'])

    @classmethod
    def check_closable(cls, tickets):
        "Refuse to close tickets without a solution."
        for ticket in tickets:
            if not (ticket.solution and ticket.solution.strip()):
                raise TicketError(gettext(
                        'crm_support.msg_ticket_close_without_solution',
                        ticket=ticket.rec_name))

    @classmethod
    def check_account(cls, tickets, field_names=None):
        """The account is of the ticket's company and the contact of the
        account."""
        if field_names and not {
                'company', 'account', 'contact'} & field_names:
            return
        for ticket in tickets:
            if (ticket.account
                    and ticket.account.crm_company != ticket.company):
                raise TicketError(gettext(
                        'crm_support.msg_ticket_account_company',
                        ticket=ticket.rec_name,
                        account=ticket.account.rec_name))
            if ticket.contact and ticket.account and (
                    ticket.contact.account != ticket.account):
                raise TicketError(gettext(
                        'crm_support.msg_ticket_contact_account',
                        ticket=ticket.rec_name,
                        contact=ticket.contact.rec_name,
                        account=ticket.account.rec_name))

    @classmethod
    def check_status(cls, tickets, field_names=None):
        "The status label is one of the ticket's state."
        if field_names and not {'state', 'status'} & field_names:
            return
        for ticket in tickets:
            if ticket.status and ticket.status.state != ticket.state:
                raise TicketError(gettext(
                        'crm_support.msg_ticket_status_state',
                        ticket=ticket.rec_name,
                        status=ticket.status.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def start(cls, tickets):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('wait_for_response')
    def wait(cls, tickets):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, tickets):
        # (refused before the state is written: nothing changes)
        cls.check_closable(tickets)

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, tickets):
        for ticket in tickets:
            # (without the access to Reopened, a field of the server)
            with without_check_access():
                cls.write([ticket], {'reopened': (ticket.reopened or 0) + 1})

    def record_first_response(self, date):
        "Store date as the first response if none was stored."
        if self.first_response_date:
            return
        with without_check_access():
            self.__class__.write([self], {
                    'first_response_date': date,
                    'first_response_time': date - self.create_date,
                    })
