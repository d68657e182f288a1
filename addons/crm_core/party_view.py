"""CRM links open the CRM form of their record type.

The client opens the record of a link (a Many2One in a form or in a list
cell, the records of a One2Many without views of their own) in a form it
asks ``fields_view_get`` for without view id, with the context of the field.

- ``CrmPartyLinks``, mixed into every ``ModelView``, gives a field linking
  to parties whose domain states their CRM type
  (``('crm_type', '=', 'account')``) that type in the context the client
  gets: every such field of any module has it by construction.  A link
  whose domain cannot state it (a host field) puts ``crm_type`` in its
  context itself.
- ``Party.fields_view_get`` answers a form asked with a CRM type in the
  context with the CRM form of the type (``crm_form_view``).

The type in the context is also what the actions of accounts and contacts
set: a record created from the link is of that type (``default_crm_type``).
"""
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool, PoolMeta
from trytond.pyson import PYSONDecoder, PYSONEncoder
from trytond.transaction import Transaction

#: The form of each CRM type, by XML id
CRM_FORMS = {
    'account': 'crm_core.account_view_form',
    'contact': 'crm_core.contact_view_form',
    }


def stated_crm_type(domain):
    """Return the CRM type that domain requires with a top-level clause
    ``('crm_type', '=', type)`` (ANDed), or None."""
    if not isinstance(domain, (list, tuple)) or not domain:
        return None
    if is_leaf(domain):
        if (len(domain) == 3 and domain[0] == 'crm_type'
                and domain[1] == '=' and domain[2] in CRM_FORMS):
            return domain[2]
        return None
    if domain[0] == 'OR':
        return None
    if domain[0] == 'AND':
        domain = domain[1:]
    for clause in domain:
        crm_type = stated_crm_type(clause)
        if crm_type:
            return crm_type
    return None


def crm_link_type(field):
    "Return the CRM type of the parties field links to, or None."
    if field is None:
        return None
    target = getattr(field, 'model_name', None)
    if target is None and hasattr(field, 'get_target'):
        target = field.get_target().__name__
    if target != 'party.party':
        return None
    return stated_crm_type(field.domain)


class CrmPartyLinks:
    "Links to accounts and contacts carry their CRM type to the client"
    __slots__ = ()

    @classmethod
    def fields_get(cls, fields_names=None, level=0):
        definitions = super().fields_get(
            fields_names=fields_names, level=level)
        for name, definition in definitions.items():
            crm_type = crm_link_type(cls._fields.get(name))
            if not crm_type:
                continue
            context = PYSONDecoder(noeval=True).decode(
                definition.get('context') or '{}')
            if 'crm_type' not in context:
                context['crm_type'] = crm_type
                definition['context'] = PYSONEncoder().encode(context)
        return definitions


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def crm_form_view(cls, crm_type):
        "Return the XML id of the form of crm_type (None: the host's)."
        if isinstance(crm_type, str):
            return CRM_FORMS.get(crm_type)

    @classmethod
    def fields_view_get(cls, view_id=None, view_type='form', level=None):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        if not view_id and view_type == 'form':
            xml_id = cls.crm_form_view(Transaction().context.get('crm_type'))
            if xml_id:
                view_id = ModelData.get_id(*xml_id.split('.', 1))
        return super().fields_view_get(
            view_id=view_id, view_type=view_type, level=level)
