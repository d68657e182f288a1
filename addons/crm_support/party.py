"""The tickets of an account and of a contact, listed on their forms (as
the user's rules let it see them)."""
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    crm_tickets = fields.One2Many(
        'crm.ticket', 'account', "Tickets", readonly=True,
        help="The trouble tickets of the account.")
    crm_contact_tickets = fields.One2Many(
        'crm.ticket', 'contact', "Tickets", readonly=True,
        help="The trouble tickets the contact reported.")

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('crm_tickets')
        default.setdefault('crm_contact_tickets')
        return super().copy(parties, default=default)
