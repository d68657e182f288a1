"""The sales preferences of a user."""
from trytond.model import fields
from trytond.pool import PoolMeta


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    crm_new_lead_days = fields.Integer(
        "New Leads Days",
        domain=[('crm_new_lead_days', '>=', 0)],
        help="The leads created in the last days shown in the "
        "\"New\" tab of the leads (as vtiger's Default Lead Display).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields.append('crm_new_lead_days')

    @classmethod
    def default_crm_new_lead_days(cls):
        return 7
