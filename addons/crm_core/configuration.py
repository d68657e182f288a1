"""CRM configuration: numbering of accounts, per company."""
from trytond.model import (
    ModelSingleton, ModelSQL, ModelView, ValueMixin, fields)
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval, Id


def _account_sequence_field(company):
    return fields.Many2One(
        'ir.sequence', "Account Sequence", required=True,
        domain=[
            ('company', 'in', [company, None]),
            ('sequence_type', '=', Id('crm_core', 'sequence_type_account')),
            ],
        help="Numbers the accounts.")


class Configuration(
        ModelSingleton, ModelSQL, ModelView, CompanyMultiValueMixin):
    "CRM settings"
    __name__ = 'crm.configuration'
    __string__ = "CRM Configuration"
    account_sequence = fields.MultiValue(_account_sequence_field(
            Eval('context', {}).get('company', -1)))

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field == 'account_sequence':
            return pool.get('crm.configuration.sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_account_sequence(cls, **pattern):
        return cls.multivalue_model(
            'account_sequence').default_account_sequence()


class ConfigurationSequence(ModelSQL, CompanyValueMixin, ValueMixin):
    "CRM sequences of a company"
    __name__ = 'crm.configuration.sequence'
    __string__ = "CRM Configuration Sequence"
    account_sequence = _account_sequence_field(Eval('company', -1))

    @classmethod
    def default_account_sequence(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('crm_core', 'sequence_account')
        except KeyError:
            return None
