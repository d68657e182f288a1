"""What the CRM reports share: the context that filters them."""
from trytond.model import fields
from trytond.transaction import Transaction


class ReportContextMixin:
    """The company, user and team whose records a report shows, by default
    those of the context (the action's or the dashboard's)."""
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", required=True)
    assigned_user = fields.Many2One('res.user', "Assigned To")
    assigned_team = fields.Many2One('crm.team', "Assigned Team")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_assigned_user(cls):
        return Transaction().context.get('assigned_user')

    @classmethod
    def default_assigned_team(cls):
        return Transaction().context.get('assigned_team')
