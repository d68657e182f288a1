"""Actions every CRM record type offers, bound to each type by crm_core.

The tools around every CRM record (*Add Event*, *Add To-Do*, *Activities*,
*Launch Plan*, *Add Tags* ...) are one wizard or window each, but the host
binds an action to the models it names (a wizard started on another model
is refused, and ``ir.action.wizard.get_models`` caches the models of each
action), so each record type needs actions of its own.  crm_core creates
them for every type registered in ``crm.sharing``, whenever its sharing is
created or its module activated or updated, from the list each feature
returns by extending :meth:`Sharing.crm_record_actions`::

    @classmethod
    def crm_record_actions(cls, model_name):
        return super().crm_record_actions(model_name) + [
            RecordAction('activity_add_event', 'form_action', {
                    'type': 'ir.action.wizard', 'wiz_name': ...})]

A later record type gets them all with its ``crm.sharing`` record.

:func:`record_type_selection` is the selection of a Reference field that
points to any CRM record (the related record of an activity, the records
of a tag)."""
from collections import namedtuple

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .ownership import record_type_name

#: An action bound to a CRM record type: its key (unique for the type),
#: the keyword binding it (form_action, form_relate ...) and the values of
#: the action record (its model: 'type', its name: a message id)
RecordAction = namedtuple('RecordAction', ['key', 'keyword', 'values'])


def record_type_selection(exclude=()):
    "Return the selection of the CRM record types (but exclude), by name."
    Sharing = Pool().get('crm.sharing')
    selection = sorted(
        ((m, record_type_name(m)) for m in Sharing.shared_models()
            if m not in exclude),
        key=lambda s: s[1])
    return [(None, '')] + selection


class Action(metaclass=PoolMeta):
    __name__ = 'ir.action'
    crm_sharing = fields.Many2One(
        'crm.sharing', "CRM Sharing", readonly=True, ondelete='CASCADE',
        help="The CRM record type this action was created for.")
    crm_record_action = fields.Char("CRM Record Action", readonly=True)


class Sharing(metaclass=PoolMeta):
    __name__ = 'crm.sharing'

    @classmethod
    def crm_record_actions(cls, model_name):
        "Return the RecordActions to bind to the records of model_name."
        return []

    @classmethod
    def regenerate_rules(cls, records):
        super().regenerate_rules(records)
        cls.regenerate_record_actions(records)

    @classmethod
    def regenerate_record_actions(cls, records):
        """Replace the actions bound to the record types of the sharings
        by the ones the current code gives."""
        pool = Pool()
        Action = pool.get('ir.action')
        Message = pool.get('ir.message')
        language = Transaction().language
        with without_check_access():
            old = Action.search([
                    ('crm_sharing', 'in', [s.id for s in records]),
                    ('active', 'in', [True, False]),
                    ])
            # (deleting the action deletes its keywords and the record of
            # its type)
            for action in old:
                Model = pool.get(action.type)
                Model.delete(Model.search([('action', '=', action.id)]))
            # (the parent action first: the host copies the fields of
            # ir.action to its types when they are set up, before this
            # module extends it)
            actions, keywords, children = [], [], []
            for sharing in records:
                for record_action in cls.crm_record_actions(sharing.model):
                    values = dict(record_action.values)
                    module, message = values.pop('name').split('.')
                    type_ = values.pop('type')
                    actions.append({
                            'name': Message.gettext(
                                module, message, language),
                            'type': type_,
                            'crm_sharing': sharing.id,
                            'crm_record_action': record_action.key,
                            })
                    keywords.append({
                            'keyword': record_action.keyword,
                            'model': f'{sharing.model},-1',
                            })
                    children.append((type_, values))
            by_type = {}
            for action, keyword, (type_, values) in zip(
                    Action.create(actions), keywords, children):
                keyword['action'] = action.id
                by_type.setdefault(type_, []).append(
                    {**values, 'action': action.id})
            for type_, vlist in by_type.items():
                pool.get(type_).create(vlist)
            pool.get('ir.action.keyword').create(keywords)

    @classmethod
    def record_action(cls, model_name, key):
        "Return the id of the action key bound to model_name or None."
        Action = Pool().get('ir.action')
        with without_check_access():
            actions = Action.search([
                    ('crm_sharing.model', '=', model_name),
                    ('crm_record_action', '=', key),
                    ], limit=1)
        return actions[0].id if actions else None

