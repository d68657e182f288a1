"""Reply to a ticket: a comment for the customer or an internal note,
started from a saved reply or from the answer of a published FAQ."""
import re
from html import unescape

import nh3

from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pool import Pool
from trytond.transaction import without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from crm_core.guard import check_readable

AUDIENCES = [
    ('public', "Customer"),
    ('internal', "Internal"),
    ]
_BREAKS = re.compile(r'<\s*(br|/p|/li|/div|/h[1-3])\s*/?\s*>', re.I)


def html_to_text(html):
    "Return the text of formatted text, a line per paragraph."
    text = nh3.clean(_BREAKS.sub('\n', html or ''), tags=set())
    lines = (line.strip() for line in unescape(text).splitlines())
    return '\n'.join(line for line in lines if line)


class CannedReply(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A saved reply of the support team"
    __name__ = 'crm.ticket.canned_reply'
    __string__ = "Saved Reply"
    name = fields.Char("Name", required=True, translate=True)
    text = fields.Text("Text", required=True, translate=True)


class TicketReplyStart(ModelView):
    "Write the reply"
    __name__ = 'crm.ticket.reply.start'
    __string__ = "Reply to Ticket"
    audience = fields.Selection(AUDIENCES, "For", required=True)
    canned_reply = fields.Many2One(
        'crm.ticket.canned_reply', "Saved Reply",
        help="Adds the text of a saved reply.")
    faq = fields.Many2One(
        'crm.faq', "FAQ", domain=[('state', '=', 'published')],
        help="Adds the answer of a published FAQ.")
    content = fields.Text("Reply", required=True)

    @fields.depends('canned_reply', 'content')
    def on_change_canned_reply(self):
        if self.canned_reply:
            self.content = self._added(self.canned_reply.text)
            self.canned_reply = None

    @fields.depends('faq', 'content')
    def on_change_faq(self):
        if self.faq:
            self.content = self._added(
                f'{self.faq.question}\n{html_to_text(self.faq.answer)}')
            self.faq = None

    def _added(self, text):
        return '\n\n'.join(filter(None, [self.content, text]))


class TicketReply(Wizard):
    "Reply to the ticket"
    __name__ = 'crm.ticket.reply'
    start = StateView(
        'crm.ticket.reply.start', 'crm_support.ticket_reply_start_view_form',
        [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Post", 'post', 'tryton-ok', default=True),
            ])
    post = StateTransition()

    def default_start(self, fields):
        return {'audience': 'public'}

    def transition_post(self):
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        ticket = self.record
        # (a reply answers for the ticket, whose first response it may
        # set: it needs the right to edit the ticket; the message is
        # written as the host's post writes it)
        check_readable(ticket.__class__, [ticket.id], mode='write')
        with without_check_access():
            Channel.post(ticket, self.start.content, self.start.audience)
        return 'end'
