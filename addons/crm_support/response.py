"""The first response to a ticket: the first comment for the customer
written by a user (not the customer's own e-mail), or the first e-mail sent
from the ticket by a user (not a notification)."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from crm_core.guard import readable_ids
from crm_core.mailing import AUTOMATIC_EMAIL


def customer_comments(messages):
    """Return the messages a user wrote for the customer (not an internal
    note, not the customer's own e-mail)."""
    return [m for m in messages if m.audience == 'public' and m.user]


def _answered(resources, dates):
    """Store the first response of the tickets among resources that the
    user may edit (a comment of a user who may only read a ticket does not
    change it)."""
    Ticket = Pool().get('crm.ticket')
    tickets = [(r, d) for r, d in zip(resources, dates)
        if isinstance(r, Ticket) and d]
    editable = readable_ids(Ticket, [t.id for t, _ in tickets], mode='write')
    for ticket, date in tickets:
        if ticket.id in editable:
            ticket.record_first_response(date)


class ChatMessage(metaclass=PoolMeta):
    __name__ = 'ir.chat.message'

    @classmethod
    def on_modification(cls, mode, messages, field_names=None):
        super().on_modification(mode, messages, field_names=field_names)
        if mode == 'create':
            answers = customer_comments(messages)
            _answered([m.channel.resource for m in answers],
                [m.create_date for m in answers])


class Email(metaclass=PoolMeta):
    __name__ = 'ir.email'

    @classmethod
    def on_modification(cls, mode, emails, field_names=None):
        super().on_modification(mode, emails, field_names=field_names)
        # (a notification is not an answer)
        if mode == 'create' and not Transaction().context.get(
                AUTOMATIC_EMAIL):
            _answered([e.resource for e in emails],
                [e.create_date for e in emails])
