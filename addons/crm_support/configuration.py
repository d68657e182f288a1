"""The numbering of tickets, per company, in the CRM configuration."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id


def _ticket_sequence_field(company):
    return fields.Many2One(
        'ir.sequence', "Ticket Sequence",
        domain=[
            ('company', 'in', [company, None]),
            ('sequence_type', '=', Id('crm_support', 'sequence_type_ticket')),
            ],
        help="Numbers the trouble tickets (e.g. TT-000123).")


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'
    ticket_sequence = fields.MultiValue(_ticket_sequence_field(
            Eval('context', {}).get('company', -1)))

    @classmethod
    def multivalue_model(cls, field):
        if field == 'ticket_sequence':
            return Pool().get('crm.configuration.sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_ticket_sequence(cls, **pattern):
        return cls.multivalue_model(
            'ticket_sequence').default_ticket_sequence()


class ConfigurationSequence(metaclass=PoolMeta):
    __name__ = 'crm.configuration.sequence'
    ticket_sequence = _ticket_sequence_field(Eval('company', -1))

    @classmethod
    def default_ticket_sequence(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('crm_support', 'sequence_ticket')
        except KeyError:
            return None
