"""Accounts and contacts made from leads: their origin and the name key
by which a lead's company finds its account; the potentials, quotes and
sales orders of an account, listed on its form (as the user's rules let
it see them)."""
import unicodedata

from sql import Null

from trytond.model import Index, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


def name_key(name):
    """Return name without case, accents, spaces and punctuation, so that
    "ACME, Inc." and "acme inc" give the same key."""
    if not name:
        return None
    decomposed = unicodedata.normalize('NFKD', name.casefold())
    return ''.join(c for c in decomposed if c.isalnum()) or None


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    crm_origin_lead = fields.Many2One(
        'sale.opportunity', "Converted From Lead", readonly=True,
        ondelete='SET NULL',
        context={
            'crm_opportunity_form': 'potential',
            },
        states={
            'invisible': ~Eval('crm_origin_lead'),
            },
        help="The lead whose conversion created this record.")
    crm_name_key = fields.Char(
        "Name Key", readonly=True,
        help="The name without case, spaces and punctuation.")
    crm_potentials = fields.One2Many(
        'sale.opportunity', 'party', "Potentials", readonly=True,
        filter=[('state', '!=', 'lead')],
        context={
            'crm_opportunity_form': 'potential',
            },
        help="The potentials of the account.")
    crm_sales = fields.One2Many(
        'sale.sale', 'party', "Quotes and Sales Orders", readonly=True,
        help="The quotes and sales orders of the account.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                # The conversion of leads looks accounts up by the key of
                # their company name: an equality per lead, or an IN of
                # thousands for a selection
                Index(t,
                    (t.crm_type, Index.Equality()),
                    (t.crm_name_key, Index.Equality())),
                Index(t, (t.crm_origin_lead, Index.Range())),
                })

    @classmethod
    def __register__(cls, module_name):
        table_h = cls.__table_handler__(module_name)
        key_exists = table_h.column_exist('crm_name_key')
        super().__register__(module_name)
        if not key_exists:
            cls._fill_name_keys()

    @classmethod
    def _fill_name_keys(cls):
        "Store the name key of the parties that have none (loaded in SQL)."
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.select(table.id, table.name,
                where=(table.name != Null) & (table.crm_name_key == Null)))
        keys = [(id_, name_key(name)) for id_, name in cursor]
        for id_, key in keys:
            cursor.execute(*table.update(
                    [table.crm_name_key], [key],
                    where=table.id == id_))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'name' in values:
            values['crm_name_key'] = name_key(values['name'])
        return values

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('crm_origin_lead')
        default.setdefault('crm_potentials')
        default.setdefault('crm_sales')
        return super().copy(parties, default=default)
