"""The history of a CRM record: who changed which field, from what to what,
and when.

A record type keeps the history of some of its fields by inheriting
:class:`TrackedMixin` and naming them::

    class Ticket(TrackedMixin, OwnedMixin, Workflow, ModelSQL, ModelView):
        __name__ = 'crm.ticket'
        _crm_tracked_fields = ['state', 'priority', 'assigned_user']

and showing ``crm_changes`` on its form.  Every write that changes one of
these fields, from any door (forms, buttons, wizards, imports), adds one
:class:`Change` per field.  The changes are read with the access to their
record (``ResourceAccessMixin``) and written only by the server.
"""
from trytond.model import ModelSQL, ModelView, fields
from trytond.ir.resource import ResourceAccessMixin
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access


class Change(ResourceAccessMixin, ModelSQL, ModelView):
    "A change of a field of a CRM record"
    __name__ = 'crm.change'
    __string__ = "Change"
    user = fields.Many2One('res.user', "User", readonly=True)
    field = fields.Char("Field Name", readonly=True)
    field_string = fields.Function(
        fields.Char("Field"), 'get_field_string')
    old_value = fields.Text("Old Value", readonly=True)
    new_value = fields.Text("New Value", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.resource.readonly = True
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    def get_field_string(self, name):
        if self.resource and self.field:
            Field = Pool().get('ir.model.field')
            return Field.get_name(self.resource.__name__, self.field)
        return self.field


def _display(record, name):
    "Return the value of field name of record as a user reads it."
    field = record._fields[name]
    value = getattr(record, name)
    if value is None or value == '':
        return None
    if field._type in {'many2one', 'reference'}:
        return value.rec_name
    if field._type == 'selection':
        return dict(field.get_selection(
                record.__class__, name, record)).get(value, value)
    if field._type == 'boolean':
        return str(bool(value))
    return str(value)


class TrackedMixin:
    "A record type keeping the history of the fields it names."
    __slots__ = ()
    _crm_tracked_fields = []
    crm_changes = fields.One2Many(
        'crm.change', 'resource', "History", readonly=True,
        order=[('create_date', 'DESC'), ('id', 'DESC')])

    @classmethod
    def _crm_snapshot(cls, records, names):
        with without_check_access():
            return {r.id: {n: _display(r, n) for n in names}
                for r in cls.browse(records)}

    @classmethod
    def copy(cls, records, default=None):
        # A copy starts its own history
        default = default.copy() if default is not None else {}
        default.setdefault('crm_changes')
        return super().copy(records, default=default)

    @classmethod
    def write(cls, *args):
        tracked = set()
        ids = []
        actions = iter(args)
        for records, values in zip(actions, actions):
            names = set(values) & set(cls._crm_tracked_fields)
            if names:
                tracked |= names
                ids.extend(map(int, records))
        before = cls._crm_snapshot(ids, sorted(tracked)) if ids else {}
        super().write(*args)
        if before:
            cls._crm_record_changes(
                before, cls._crm_snapshot(ids, sorted(tracked)))

    @classmethod
    def _crm_record_changes(cls, before, after):
        Change = Pool().get('crm.change')
        transaction = Transaction()
        to_create = []
        for id_, old in before.items():
            new = after[id_]
            for name in sorted(old):
                if old[name] != new[name]:
                    to_create.append({
                            'resource': f'{cls.__name__},{id_}',
                            'user': transaction.user,
                            'field': name,
                            'old_value': old[name],
                            'new_value': new[name],
                            })
        if to_create:
            with without_check_access():
                Change.create(to_create)
