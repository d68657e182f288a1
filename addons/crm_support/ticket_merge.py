"""Merge tickets of the same account reporting one problem.

The ticket kept receives the comments, attachments, notes and history of
the others; each other is closed with a link to the kept one (its
solution says so unless it had one).
"""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from crm_core.guard import check_readable, on_behalf_of_user

from .exceptions import TicketError

#: The models attached to a record by their "resource" that follow the
#: comments to the kept ticket
ATTACHED_MODELS = ['ir.attachment', 'ir.note', 'crm.change']


class TicketMergeStart(ModelView):
    "Choose the ticket to keep"
    __name__ = 'crm.ticket.merge.start'
    __string__ = "Merge Tickets"
    tickets = fields.Many2Many(
        'crm.ticket', None, None, "Tickets", readonly=True)
    keep = fields.Many2One(
        'crm.ticket', "Ticket to Keep", required=True,
        domain=[('id', 'in', Eval('tickets', []))],
        help="The ticket that receives the comments, attachments and "
        "history of the others, which are closed.")


class TicketMerge(Wizard):
    "Merge the selected tickets of one account into one"
    __name__ = 'crm.ticket.merge'
    start = StateView(
        'crm.ticket.merge.start', 'crm_support.ticket_merge_start_view_form',
        [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Merge", 'merge', 'tryton-ok', default=True),
            ])
    merge = StateTransition()

    def default_start(self, fields):
        tickets = sorted(self.records, key=lambda t: t.id)
        Pool().get('crm.ticket').check_mergeable(tickets)
        return {
            'tickets': [t.id for t in tickets],
            'keep': tickets[0].id,
            }

    def transition_merge(self):
        Ticket = Pool().get('crm.ticket')
        keep = self.start.keep
        if keep not in self.records:
            raise TicketError(gettext('crm_support.msg_ticket_merge_keep'))
        Ticket.merge(keep, [t for t in self.records if t != keep])
        return 'end'


class Ticket(metaclass=PoolMeta):
    __name__ = 'crm.ticket'

    @classmethod
    def check_mergeable(cls, tickets):
        "Refuse to merge fewer than two tickets, or tickets of two accounts."
        if len(tickets) < 2:
            raise TicketError(gettext('crm_support.msg_ticket_merge_two'))
        accounts = {t.account for t in tickets}
        if len(accounts) > 1 or None in accounts:
            raise TicketError(gettext(
                    'crm_support.msg_ticket_merge_accounts',
                    tickets=', '.join(t.rec_name for t in tickets)))

    @classmethod
    def merge(cls, keep, others):
        """Move the comments, attachments, notes and history of others to
        keep, and close others with a link to it."""
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        Message = pool.get('ir.chat.message')
        cls.check_mergeable([keep, *others])
        if on_behalf_of_user():
            # the comments of every ticket change: the user edits them all
            check_readable(cls, [keep.id, *map(int, others)], mode='write')
        with without_check_access():
            target = Channel._get_channel(keep)
            channels = Channel.search([
                    ('resource', 'in', [str(t) for t in others])])
            Message.write(
                Message.search([('channel', 'in', [c.id for c in channels])]),
                {'channel': target.id})
            for name in ATTACHED_MODELS:
                Model = pool.get(name)
                records = Model.search([
                        ('resource', 'in', [str(t) for t in others])])
                if records:
                    Model.write(records, {'resource': str(keep)})
        for other in others:
            values = {'merged_into': keep.id}
            if not other.solution:
                values['solution'] = gettext(
                    'crm_support.msg_ticket_merged_solution',
                    ticket=keep.rec_name)
            cls.write([other], values)
        cls.close([o for o in others if o.state != 'closed'])
        with without_check_access():
            Channel.post(keep, gettext(
                    'crm_support.msg_ticket_merged_comment',
                    tickets=', '.join(o.rec_name for o in others)))
