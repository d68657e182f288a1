"""*Send E-mail* from a list: a template mailed to each selected record.

The list action of a CRM record type (bound with an ``ir.action.wizard``
of ``crm.send_email`` and a keyword on the type: one action per type, the
host caches the models of an action) asks for one of the type's e-mail
templates and sends it, rendered on each record, to the template's
recipients (the contact of a ticket, ...) who did not opt out
(``mailing.py``).  It ends with what was sent and what was not, and why.
Each e-mail is kept on its record, as one sent from the form.
"""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pyson import Eval
from trytond.transaction import check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import MassEmailError
from .guard import check_readable
from .mailing import send_template


class SendEmailStart(ModelView):
    "Choose the template mailed to the selected records"
    __name__ = 'crm.send_email.start'
    __string__ = "Send E-mail"
    model = fields.Char("Model", readonly=True)
    template = fields.Many2One(
        'ir.email.template', "Template", required=True,
        domain=[('model.name', '=', Eval('model', ''))],
        help="Rendered on each record and sent to its recipients.")
    records = fields.Integer("Selected Records", readonly=True)


class SendEmailResult(ModelView):
    "What the mass e-mail sent"
    __name__ = 'crm.send_email.result'
    __string__ = "Send E-mail Result"
    sent = fields.Integer("Sent", readonly=True)
    skipped = fields.Integer("Not Sent", readonly=True)
    details = fields.Text("Details", readonly=True)


class SendEmail(Wizard):
    "Send an e-mail template to the selected records"
    __name__ = 'crm.send_email'
    start = StateView('crm.send_email.start',
        'crm_core.send_email_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateTransition()
    result = StateView('crm.send_email.result',
        'crm_core.send_email_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        return {'model': self.model.__name__, 'records': len(self.records)}

    def transition_send(self):
        template = self.start.template
        if not template or template.model.name != self.model.__name__:
            raise MassEmailError(gettext(
                    'crm_core.msg_send_email_template_model',
                    model=self.model.__names__()['model']))
        # Transitions run without access checks over RPC: each record is
        # rendered and mailed with the user's rights, as from its form
        sent, skipped = 0, []
        with check_access():
            check_readable(self.model, [r.id for r in self.records])
            for record in self.records:
                if send_template(template, record, automatic=False):
                    sent += 1
                else:
                    skipped.append(gettext(
                            'crm_core.msg_send_email_no_recipient',
                            record=record.rec_name))
        self._result = {
            'sent': sent, 'skipped': len(skipped),
            'details': '\n'.join(skipped)}
        return 'result'

    def default_result(self, fields):
        return getattr(self, '_result', {})
