"""Contact roles: the contacts of a potential's account and their part in
the deal (decision maker, evaluator ...).  They follow the access of their
opportunity."""
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

CONTACT_ROLES = [
    ('business_decision_maker', "Business Decision Maker"),
    ('technical_decision_maker', "Technical Decision Maker"),
    ('evaluator', "Evaluator"),
    ('influencer', "Influencer"),
    ('other', "Other"),
    ]


class ContactRole(ModelSQL, ModelView):
    "The role of a contact of the account in a potential."
    __name__ = 'crm.opportunity.contact_role'
    __string__ = "Contact Role"
    opportunity = fields.Many2One(
        'sale.opportunity', "Potential", required=True, ondelete='CASCADE')
    account = fields.Function(
        fields.Many2One('party.party', "Account"),
        'on_change_with_account')
    contact = fields.Many2One(
        'party.party', "Contact", required=True, ondelete='CASCADE',
        domain=[
            ('crm_type', '=', 'contact'),
            ('account', '=', Eval('account', -1)),
            ],
        help="A contact of the potential's account.")
    role = fields.Selection(CONTACT_ROLES, "Role", required=True)
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('opportunity')
        cls.contact.context = {'company': Eval('company', -1)}
        cls.contact.depends.add('company')
        t = cls.__table__()
        cls._sql_constraints += [
            ('contact_unique', Unique(t, t.opportunity, t.contact),
                'crm_sales.msg_contact_role_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.contact, Index.Range())))

    @classmethod
    def default_role(cls):
        return 'other'

    @fields.depends('opportunity', '_parent_opportunity.party')
    def on_change_with_account(self, name=None):
        if self.opportunity and self.opportunity.party:
            return self.opportunity.party

    @fields.depends('opportunity', '_parent_opportunity.company')
    def on_change_with_company(self, name=None):
        if self.opportunity:
            return self.opportunity.company


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    contact_roles = fields.One2Many(
        'crm.opportunity.contact_role', 'opportunity', "Contact Roles",
        states={
            'readonly': (Eval('state').in_(['won', 'lost', 'cancelled'])
                | ~Eval('party')),
            },
        help="The contacts of the account and their role in the deal.")
