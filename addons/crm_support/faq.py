"""The FAQ knowledge base, with the verification of solutions.

Support reps write and edit drafts and mark them reviewed; only a profile
granting the *Publish FAQ* action (``crm.profile.action`` ``publish``,
the managers' and administrators' by default) publishes a FAQ, makes it
obsolete, or changes the text of a published one.  Publishing records who
and when.  Answers are formatted text, sanitised on save (``nh3``: the
tags and attributes of sao's rich text editor, links to http(s) and
mailto only).  The ``text`` field searches question, keywords and answer,
ranked (``faq_search.py``).
"""
import datetime

import nh3

from trytond.model import (
    ChatMixin, DeactivableMixin, Index, ModelSQL, ModelView, Workflow,
    fields, sequence_ordered)
from trytond.pyson import Eval
from trytond.transaction import Transaction

from crm_core.global_search import GlobalSearchMixin, SearchType
from crm_core.ownership import OwnedMixin
from crm_core.profile import profile_action
from crm_core.server_fields import ServerFieldsMixin
from crm_core.tracking import TrackedMixin

from .faq_search import FaqSearchMixin

STATES = [
    ('draft', "Draft"),
    ('reviewed', "Reviewed"),
    ('published', "Published"),
    ('obsolete', "Obsolete"),
    ]
#: The fields of a FAQ's text: a published one changes with the right to
#: publish only
CONTENT_FIELDS = {'question', 'answer', 'keywords', 'category', 'product'}
#: What sao's rich text editor writes, and nothing that runs
ANSWER_TAGS = {
    'a', 'b', 'blockquote', 'br', 'code', 'div', 'em', 'font', 'h1', 'h2',
    'h3', 'i', 'li', 'ol', 'p', 'pre', 'span', 'strong', 'u', 'ul'}
ANSWER_ATTRIBUTES = {
    'a': {'href', 'title'},
    'font': {'color', 'size', 'face'},
    }
ANSWER_URL_SCHEMES = {'http', 'https', 'mailto'}
_EDITABLE = {'readonly': Eval('state').in_(['published', 'obsolete'])}


def sanitize_html(text):
    "Return text with only the tags and attributes of formatted text kept."
    if not text:
        return text
    return nh3.clean(
        text, tags=ANSWER_TAGS, attributes=ANSWER_ATTRIBUTES,
        url_schemes=ANSWER_URL_SCHEMES, link_rel='noopener noreferrer')


class FaqCategory(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "A category of FAQ"
    __name__ = 'crm.faq.category'
    __string__ = "FAQ Category"
    name = fields.Char("Name", required=True, translate=True)


class Faq(
        GlobalSearchMixin, FaqSearchMixin, ServerFieldsMixin, TrackedMixin,
        OwnedMixin, ChatMixin, Workflow, ModelSQL, ModelView):
    "FAQ"
    __name__ = 'crm.faq'
    __string__ = "FAQ"
    _rec_name = 'question'
    _crm_tracked_fields = ['state', 'question', 'answer', 'assigned_user']
    _crm_server_fields = {
        'state', 'author', 'published_by', 'published_date'}

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states={'readonly': Eval('id', -1) >= 0})
    question = fields.Char("Question", required=True, states=_EDITABLE)
    answer = fields.Text("Answer", states=_EDITABLE)
    category = fields.Many2One(
        'crm.faq.category', "Category", ondelete='RESTRICT',
        states=_EDITABLE)
    product = fields.Many2One(
        'product.product', "Product", ondelete='RESTRICT', states=_EDITABLE)
    keywords = fields.Char("Keywords", states=_EDITABLE,
        help="Words a search finds the FAQ by, besides its text.")
    state = fields.Selection(
        STATES, "Status", required=True, readonly=True, sort=False)
    author = fields.Many2One(
        'res.user', "Author", readonly=True, ondelete='RESTRICT')
    published_by = fields.Many2One(
        'res.user', "Published By", readonly=True, ondelete='RESTRICT')
    published_date = fields.DateTime("Published On", readonly=True)
    tickets = fields.Many2Many(
        'crm.faq-crm.ticket', 'faq', 'ticket', "Tickets",
        domain=[('company', '=', Eval('company', -1))])
    text = fields.Function(
        fields.Char("Text", help="The question, answer and keywords."),
        'get_text')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t,
                (t.state, Index.Equality(cardinality='low')),
                (t.create_date, Index.Range(order='DESC'))))
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'reviewed'),
            ('reviewed', 'draft'),
            ('draft', 'published'),
            ('reviewed', 'published'),
            ('published', 'obsolete'),
            ('published', 'draft'),
            ('obsolete', 'draft'),
            ('obsolete', 'published'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') == 'draft',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'review': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'publish': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'reviewed', 'obsolete']),
                    'icon': 'tryton-public',
                    'depends': ['state'],
                    },
                'obsolete': {
                    'invisible': Eval('state') != 'published',
                    'icon': 'tryton-archive',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_author(cls):
        return Transaction().user or None

    @classmethod
    def crm_global_search_types(cls):
        return super().crm_global_search_types() + [
            SearchType(70, 'crm_support.act_faq_form', [], 'crm-faq'),
            ]

    @classmethod
    def crm_global_search_records(cls, type_, text, limit):
        # The ranked search of question, keywords and answer (faq_search)
        return [(None, faq) for faq in cls.search(
                [('text', 'ilike', text)] + list(type_.domain), limit=limit)]

    def get_text(self, name):
        return ' '.join(filter(None, [
                    self.question, self.keywords, self.answer]))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('answer'):
            values['answer'] = sanitize_html(values['answer'])
        return values

    @classmethod
    def copy(cls, faqs, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'draft')
        default.setdefault('author', Transaction().user or None)
        default.setdefault('published_by')
        default.setdefault('published_date')
        return super().copy(faqs, default=default)

    @classmethod
    def check_modification(cls, mode, faqs, values=None, external=False):
        super().check_modification(
            mode, faqs, values=values, external=external)
        if (external and mode == 'write'
                and CONTENT_FIELDS & set(values or {})
                and any(f.state in {'published', 'obsolete'} for f in faqs)):
            cls.crm_check_permission('publish')

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, faqs):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('reviewed')
    def review(cls, faqs):
        pass

    @classmethod
    @profile_action('publish')
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, faqs):
        cls.write(faqs, {
                'published_by': Transaction().user or None,
                'published_date': datetime.datetime.now(),
                })

    @classmethod
    @profile_action('publish')
    @ModelView.button
    @Workflow.transition('obsolete')
    def obsolete(cls, faqs):
        pass


class FaqTicket(ModelSQL):
    "The tickets a FAQ answers"
    __name__ = 'crm.faq-crm.ticket'
    __string__ = "FAQ - Ticket"
    faq = fields.Many2One(
        'crm.faq', "FAQ", required=True, ondelete='CASCADE')
    ticket = fields.Many2One(
        'crm.ticket', "Ticket", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.faq, Index.Range())),
                Index(t, (t.ticket, Index.Range())),
                })
