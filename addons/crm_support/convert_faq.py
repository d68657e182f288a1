"""Convert a closed ticket into a draft FAQ: its title becomes the
question, its description and solution the answer; both are linked."""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.wizard import StateAction, Wizard

from crm_core.mailing import text_to_html

from .exceptions import TicketError


class ConvertToFaq(Wizard):
    "Create a draft FAQ from closed tickets"
    __name__ = 'crm.ticket.convert_faq'
    start = StateAction('crm_support.act_faq_form')

    def do_start(self, action):
        Faq = Pool().get('crm.faq')
        faqs = Faq.create([self.faq_values(t) for t in self.records])
        ids = [f.id for f in faqs]
        return action, {'res_id': ids}

    @staticmethod
    def faq_values(ticket):
        "Return the values of the FAQ converted from ticket."
        if ticket.state != 'closed':
            raise TicketError(gettext(
                    'crm_support.msg_ticket_convert_not_closed',
                    ticket=ticket.rec_name))
        return {
            'company': ticket.company.id,
            'question': ticket.title,
            'answer': text_to_html(ticket.description)
            + text_to_html(ticket.solution),
            'product': ticket.product.id if ticket.product else None,
            'tickets': [('add', [ticket.id])],
            }
