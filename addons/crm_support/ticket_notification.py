"""E-mails to the customer and the assignee when a ticket changes.

The contact of a ticket receives an e-mail when the ticket is created,
when a user comments it for the customer and when it is closed (not when
it is closed by a merge: the customer hears of the kept ticket); the
assigned user receives one when a ticket is assigned to it by someone
else.  Each e-mail is a template of the CRM configuration (*CRM >
Configuration*: the administrator edits the shipped templates or empties
a field to send none), sent from the CRM's address.

They are sent by the host's queue after the user's transaction
(``crm_core.mailing``): a save is neither slowed nor undone by the mail
server.  A contact who opted out of e-mail receives none, and an
automatic e-mail is not the ticket's first response (``response.py``).
"""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from crm_core.mailing import send_template

from .response import customer_comments

#: event -> the field of crm.configuration holding its template
EVENT_TEMPLATES = {
    'created': 'ticket_created_template',
    'comment': 'ticket_comment_template',
    'closed': 'ticket_closed_template',
    'assigned': 'ticket_assigned_template',
    }
#: Context keys of the templates: the comment an e-mail of the event
#: 'comment' quotes, the name of the user who caused the event
COMMENT_CONTEXT = 'crm_ticket_comment'
BY_CONTEXT = 'crm_ticket_by'


def _template_field(string, help):
    return fields.Many2One(
        'ir.email.template', string, ondelete='SET NULL',
        domain=[('model.name', '=', 'crm.ticket')], help=help)


def _shipped_template(xml_id):
    ModelData = Pool().get('ir.model.data')
    try:
        return ModelData.get_id('crm_support', xml_id)
    except KeyError:
        return None


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'
    ticket_created_template = _template_field(
        "Ticket Created", "Mailed to the contact of a new ticket.")
    ticket_comment_template = _template_field(
        "Ticket Comment",
        "Mailed to the contact of a ticket commented for the customer.")
    ticket_closed_template = _template_field(
        "Ticket Closed", "Mailed to the contact of a closed ticket.")
    ticket_assigned_template = _template_field(
        "Ticket Assigned", "Mailed to the user a ticket is assigned to.")

    @classmethod
    def default_ticket_created_template(cls):
        return _shipped_template('email_template_ticket_created')

    @classmethod
    def default_ticket_comment_template(cls):
        return _shipped_template('email_template_ticket_comment')

    @classmethod
    def default_ticket_closed_template(cls):
        return _shipped_template('email_template_ticket_closed')

    @classmethod
    def default_ticket_assigned_template(cls):
        return _shipped_template('email_template_ticket_assigned')


class Ticket(metaclass=PoolMeta):
    __name__ = 'crm.ticket'

    @classmethod
    def on_modification(cls, mode, tickets, field_names=None):
        super().on_modification(mode, tickets, field_names=field_names)
        if mode == 'create':
            user = Transaction().user
            cls.crm_notify_later('created', [t for t in tickets if t.contact])
            cls.crm_notify_later('assigned', [t for t in tickets
                    if t.assigned_user and t.assigned_user.id != user])

    @classmethod
    def on_write(cls, tickets, values):
        callbacks = super().on_write(tickets, values)
        if values.get('state') == 'closed' and 'merged_into' not in values:
            closing = [t for t in tickets
                if t.state != 'closed' and not t.merged_into]
            callbacks.append(lambda: cls.crm_notify_later('closed', closing))
        user = values.get('assigned_user')
        if user and user != Transaction().user:
            assigned = [t for t in tickets
                if not t.assigned_user or t.assigned_user.id != user]
            callbacks.append(
                lambda: cls.crm_notify_later('assigned', assigned))
        return callbacks

    @classmethod
    def crm_notify_later(cls, event, tickets, comment=None):
        "Queue the e-mails of event about tickets (a comment's text)."
        User = Pool().get('res.user')
        # (the host's chat does not notify either: data loaded in bulk)
        if not Transaction().context.get('_notify', True):
            return
        if tickets and cls.crm_notification_template(event):
            by = User(Transaction().user).rec_name
            cls.__queue__.crm_notify(tickets, event, comment, by)

    @staticmethod
    def crm_notification_template(event):
        "Return the template of event in the configuration (or None)."
        Configuration = Pool().get('crm.configuration')
        # (the configuration, not the user's data: any user's save sends)
        with without_check_access():
            return getattr(Configuration(1), EVENT_TEMPLATES[event])

    def crm_notification_recipients(self, event):
        "Return who receives the e-mail of event."
        if event == 'assigned':
            return [self.assigned_user]
        return [self.contact]

    @classmethod
    def crm_notify(cls, tickets, event, comment=None, by=None):
        """Send the e-mails of event about tickets (from the queue), caused
        by the user named by."""
        template = cls.crm_notification_template(event)
        if not template:
            return
        # As the CRM, from its address: the user who caused them may no
        # longer read the ticket (given to another), their recipients may
        with Transaction().set_user(0), \
                Transaction().set_context(
                    **{COMMENT_CONTEXT: comment, BY_CONTEXT: by}):
            for ticket in cls.browse(tickets):
                send_template(template, ticket,
                    ticket.crm_notification_recipients(event))


class ChatMessage(metaclass=PoolMeta):
    __name__ = 'ir.chat.message'

    @classmethod
    def on_modification(cls, mode, messages, field_names=None):
        super().on_modification(mode, messages, field_names=field_names)
        if mode != 'create':
            return
        Ticket = Pool().get('crm.ticket')
        # (not the customer's own e-mail: it would come back to it)
        for message in customer_comments(messages):
            ticket = message.channel.resource
            if isinstance(ticket, Ticket) and ticket.contact:
                Ticket.crm_notify_later(
                    'comment', [ticket], comment=message.content)
