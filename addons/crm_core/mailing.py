"""E-mails the CRM sends from templates: notifications and list actions.

The host renders a template (``ir.email.template.get``: the record read
with the user's access) and sends it (``ir.email.send``: through SMTP when
the transaction commits, the e-mail kept on the record).  The CRM adds:

- the contact's *E-mail Opt Out*: a party that opted out is never a
  template's recipient (the client's e-mail dialog does not propose its
  address, no notification nor list action mails it);
- ``escape`` and ``text_to_html`` for the templates (their bodies are HTML
  and the host's text templates do not escape: what a customer typed in a
  title or a comment must not become markup in the e-mail);
- :func:`send_template`, which sends a template rendered on a record to
  given recipients; an automatic e-mail (a notification) is sent with
  ``AUTOMATIC_EMAIL`` in the context, for the modules that must tell it
  from a user's (a ticket's first response).

Notifications are sent from the host's queue (``__queue__``), after the
user's transaction: a slow or failing mail server neither slows nor undoes
the save that caused them.
"""
from html import escape

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

#: Context key set while an automatic e-mail is stored
AUTOMATIC_EMAIL = 'crm_automatic_email'


def text_to_html(text):
    "Return plain text as escaped paragraphs of formatted text."
    paragraphs = [p.strip() for p in (text or '').split('\n\n')]
    return ''.join(
        '<p>%s</p>' % escape(p).replace('\n', '<br>')
        for p in paragraphs if p)


def escape_value(value):
    "Return value as escaped text (nothing for None)."
    return '' if value is None else escape(str(value))


def opted_out(record):
    "Tell if record is a party, or an e-mail of one, that opted out."
    pool = Pool()
    Party = pool.get('party.party')
    ContactMechanism = pool.get('party.contact_mechanism')
    if isinstance(record, ContactMechanism):
        record = record.party
    return isinstance(record, Party) and bool(record.email_opt_out)


def send_template(template, record, recipients=None, automatic=True):
    """Send template rendered on record to recipients (parties, users or
    addresses; by default the template's), but those who opted out; keep
    the e-mail on record.  Return the ``ir.email``, or None when no
    recipient is left."""
    pool = Pool()
    Email = pool.get('ir.email')
    Template = pool.get('ir.email.template')
    values = template.get(record)
    if recipients is None:
        to = values.get('to') or []
    else:
        to = Template.get_addresses([r for r in recipients if r])
    if not to:
        return None
    with Transaction().set_context(**{AUTOMATIC_EMAIL: automatic}):
        return Email.send(
            to=', '.join(to), subject=values.get('subject', ''),
            body=values.get('body', ''),
            record=[record.__name__, record.id],
            reports=values.get('reports'))


class EmailTemplate(metaclass=PoolMeta):
    __name__ = 'ir.email.template'

    @classmethod
    def _get_address(cls, record):
        if opted_out(record):
            return None
        return super()._get_address(record)

    def get_context(self, record):
        context = super().get_context(record)
        context['escape'] = escape_value
        context['text_to_html'] = text_to_html
        return context
