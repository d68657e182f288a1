"""The host's side doors, closed for the records a user may not read.

Record rules guard the front doors of the ORM (read, search, write,
delete).  The host also reaches records where no rule applies; for the
*guarded* models (the types registered in ``crm.sharing`` and the models
whose access follows one of them through ``__access__``, such as addresses
and contact mechanisms of parties) the CRM closes each of these doors:

``copy``
    :meth:`ModelStorage.copy` reads the originals without access checks:
    copying a guarded record requires that the user may read and edit it
    (a record shared read only is not copied into one of the user's own).
instantiation by RPC
    ``on_change``, ``on_change_with``, ``on_change_notify``,
    ``pre_validate``, buttons and every method called with records build
    instances from the ids and values of the request (:meth:`RPC.convert`)
    and load the missing fields without rules, and so do the values a
    client sends to the steps of a wizard (:meth:`Wizard.execute`): every
    guarded id of the request, as record or as value of a relation field,
    must be readable.
nested domains and orders
    :meth:`ModelSQL.search_domain` converts the clauses through relation
    fields (``parent_account.annual_revenue``, ``contacts.name``, a string
    on a Many2One ...) without the rules of the target, and an order by a
    Many2One joins the target table without them: for guarded targets the
    conversion and the join follow the target's read rules.
writes and deletes
    :meth:`ModelStorage._before_write` and ``_before_delete`` run
    ``check_modification``, ``on_write`` and ``on_delete`` (which read the
    records: their state, their names for a message) before the rules of
    the write or delete are checked: for guarded records the rules come
    first.  ``import_data`` writes the records of its ``id`` columns with
    ``write``, whose overrides may read them before that: it checks them
    before it starts.
links
    :meth:`ModelStorage.check_modification`: a record created or written
    on behalf of a user may not point to a guarded record the user may not
    read (Many2One, Reference, and the ids added to x2many fields).
existence
    :meth:`ModelSQL.read`, ``write`` and ``delete`` refuse hidden records
    naming the rules that hide them and missing records as missing: for
    guarded records both are refused as not shared, so that an id does not
    tell whether its record exists.
revisions
    A model kept with ``_history`` (sales with ``sale_history``) is read
    and searched as it was at the ``_datetime`` of the context, and the
    host checks the rules on that revision: a record given to another
    user since would still be read by its former owner.  A revision of a
    guarded record is read and found only if the record is readable now
    too (and was then).

The chat channels (comments) are guarded by ``chat.py``, the rec_name
of hidden records by :class:`ownership.OwnedMixin`, and what a request
carries besides its records (plain ids, context defaults, wizard
transitions, stored links, direct reads) by ``request_guard.py``.  Each patch is inert in
databases where crm_core is not activated."""
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from trytond.i18n import gettext
from trytond.ir.chat import Channel as ChatChannel
from trytond.ir.resource import ResourceAccessMixin
from trytond.ir.rule import _get_access_models
from trytond.model import ModelSQL, ModelStorage, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.transaction import (
    Transaction, check_access, inactive_records, without_check_access)
from trytond.wizard import StateView, Wizard

# A search made on behalf of a user is being converted to SQL
_nested = ContextVar('crm_guard_nested', default=False)
# The next conversion belongs to the search being converted
_inherit = ContextVar('crm_guard_inherit', default=False)
# Why the code running reads records its user may not read
_declared = ContextVar('crm_guard_declared', default=None)

RELATION_TYPES = {'many2one', 'one2one', 'one2many', 'many2many'}


def _sharing():
    "The crm.sharing model, None if crm_core is not activated."
    try:
        return Pool().get('crm.sharing')
    except KeyError:
        return None


@contextmanager
def declared(reason):
    """Run the block, which reads for the user records it may not read,
    for the stated reason (an access check, a warning that only says that
    a duplicate exists): stored links are not masked in it and the tests'
    tracer of hidden reads lets it pass."""
    token = _declared.set(reason)
    try:
        yield
    finally:
        _declared.reset(token)


def declared_reason():
    "Return the reason declared by the code running, None if none."
    return _declared.get()


def on_behalf_of_user():
    "Tell if the transaction acts for a user with access checked."
    transaction = Transaction()
    return bool(transaction.user and transaction.check_access)


def _access_of(Model):
    """Return the names of the models whose access Model follows and the
    path to the ``resource`` that gives its access (None if none)."""
    access = Model.__dict__.get('_crm_access')
    if access is None:
        pool = Pool()
        names, model2field = _get_access_models(Model)
        # (a follower of a shared type: ownership.SharingFollowerMixin)
        names = {*names, *(getattr(pool.get(n), 'crm_sharing_follows', None)
                for n in names)} - {None}
        path = None
        for name in names:
            Target = pool.get(name)
            field = Target._fields.get('resource')
            if (field is not None and field._type == 'reference'
                    and (issubclass(Target, ResourceAccessMixin)
                        or issubclass(Target, ChatChannel))):
                path = (model2field.get(name) or [''])[0]
                break
        access = Model._crm_access = (frozenset(names), path)
    return access


def guarded(Model):
    """Tell if the access to Model's records follows CRM sharing, or the
    record they are attached to (attachments, notes, comments, logs)."""
    Sharing = _sharing()
    if Sharing is None or Model is None:
        return False
    names, path = _access_of(Model)
    return path is not None or bool(names & Sharing.shared_models())


def _resource_filter(Model, ids):
    "Return the ids among ids whose resource, if guarded, is readable."
    _, path = _access_of(Model)
    if path is None or not ids:
        return ids
    resources = {}
    with declared("access check"), without_check_access(), \
            inactive_records():
        for record in Model.browse(list(ids)):
            target = record
            for name in filter(None, path.split('.')):
                target = getattr(target, name, None)
            resource = getattr(target, 'resource', None)
            if (isinstance(resource, ModelStorage) and resource.id >= 0
                    and guarded(resource.__class__)):
                resources.setdefault(resource.__class__, {})[
                    record.id] = resource.id
    for Resource, mapping in resources.items():
        readable = readable_ids(Resource, mapping.values())
        ids = ids - {i for i, r in mapping.items() if r not in readable}
    return ids


def _target(field):
    "The target model of a relation field, None for a Reference."
    if field._type in RELATION_TYPES:
        return field.get_target()


def _readable_memo(Model, mode):
    """The {id: readable} known of Model for the user, remembered until the
    transaction, its user or its data change."""
    transaction = Transaction()
    stamp = (transaction.started_at, transaction.user, transaction.counter)
    memo = transaction.__dict__.get('_crm_readable')
    if memo is None or memo[0] != stamp:
        memo = transaction._crm_readable = (stamp, {})
    return memo[1].setdefault((Model.__name__, mode), {})


def is_readable(Model, id_, batch=()):
    """Tell if the user may read the record id_; on the first question the
    ids of batch (e.g. the records browsed with it) are checked at once."""
    if not Transaction().user:
        return True
    known = _readable_memo(Model, 'read')
    if id_ not in known:
        readable_ids(Model, [id_, *batch])
    return known.get(id_, True)


def readable_ids(Model, ids, mode='read'):
    """Return the ids among ids that the user of the transaction may read
    (or write with mode 'write')."""
    pool = Pool()
    Rule = pool.get('ir.rule')
    transaction = Transaction()
    ids = {int(i) for i in ids if i is not None and int(i) >= 0}
    if not ids or not transaction.user:
        return ids
    known = _readable_memo(Model, mode)
    unknown = ids - known.keys()
    if unknown:
        # (readable now, whatever revision the context reads)
        with check_access(), transaction.set_context(_datetime=None):
            domain = Rule.domain_get(Model.__name__, mode=mode)
        if domain:
            with without_check_access(), inactive_records(), \
                    transaction.set_context(_datetime=None):
                found = set(map(int, Model.search([
                                ('id', 'in', list(unknown)),
                                domain,
                                ], order=[])))
        else:
            found = unknown
        found = _resource_filter(Model, found)
        known.update((i, i in found) for i in unknown)
    return {i for i in ids if known[i]}


def check_readable(Model, ids, mode='read'):
    """Raise AccessError if the user may not read (or change with mode
    'write' or 'delete') some of the records ids."""
    ids = {int(i) for i in ids if i is not None and int(i) >= 0}
    hidden = ids - readable_ids(Model, ids)
    if hidden:
        raise AccessError(gettext(
                'crm_core.msg_record_not_shared',
                model=Model.__names__()['model'],
                ids=', '.join(map(str, sorted(hidden)[:5]))))
    if mode in {'write', 'delete'}:
        read_only = ids - readable_ids(Model, ids, mode=mode)
        if read_only:
            raise AccessError(gettext(
                    'crm_core.msg_record_read_only',
                    model=Model.__names__()['model'],
                    ids=', '.join(map(str, sorted(read_only)[:5]))))


def reference_parts(value):
    "Return (model name, id) of a Reference value or None."
    if isinstance(value, ModelStorage):
        return value.__name__, value.id
    if isinstance(value, str) and ',' in value:
        name, id_ = value.split(',', 1)
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        name, id_ = value
    else:
        return None
    try:
        return name, int(id_)
    except (TypeError, ValueError):
        return None


class Links:
    "The guarded ids a request or a modification points to, per model."

    def __init__(self):
        self.ids = {}

    def add(self, Model, ids):
        if guarded(Model):
            self.ids.setdefault(Model.__name__, set()).update(
                i for i in ids if isinstance(i, int) and i >= 0)

    def add_value(self, field, value):
        "Add the ids of value written or given for field."
        pool = Pool()
        if value is None or value is False:
            return
        if field._type == 'reference':
            reference = reference_parts(value)
            if reference:
                name, id_ = reference
                try:
                    Target = pool.get(name)
                except KeyError:
                    return
                self.add(Target, [id_])
            return
        Target = _target(field)
        if Target is None:
            return
        if isinstance(value, dict):
            self.add_values(Target, value)
        elif isinstance(value, int):
            self.add(Target, [value])
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, int):
                    self.add(Target, [item])
                elif isinstance(item, dict):
                    self.add_values(Target, item)
                elif isinstance(item, (list, tuple)) and item:
                    self.add_command(Target, item)

    def add_command(self, Target, command):
        "Add the ids that an x2many command links."
        action, *args = command
        if action in {'add', 'set', 'copy'} and args:
            self.add(Target, [i for i in args[0] if isinstance(i, int)])
        elif action == 'create' and args:
            for values in args[0]:
                if isinstance(values, dict):
                    self.add_values(Target, values)

    def add_values(self, Model, values):
        "Add the ids of the values of a record given by a client."
        parents = {}
        for name, value in values.items():
            if name == 'id':
                if isinstance(value, int):
                    self.add(Model, [value])
                continue
            if name.startswith('_parent_'):
                name, _, sub_name = name[len('_parent_'):].partition('.')
                parents.setdefault(name, {})[sub_name] = value
                continue
            field = Model._fields.get(name)
            if field is not None:
                self.add_value(field, value)
        for name, sub_values in parents.items():
            field = Model._fields.get(name)
            if field is not None and _target(field) is not None:
                self.add_values(_target(field), sub_values)

    def check(self):
        pool = Pool()
        for name, ids in self.ids.items():
            if ids:
                check_readable(pool.get(name), ids)


def _stored_links(Model):
    "The stored relation fields of Model that may point to guarded records."
    shared = _sharing().shared_models()
    memo = Model.__dict__.get('_crm_stored_links')
    if memo and memo[0] == shared:
        return memo[1]
    result = []
    for name, field in Model._fields.items():
        if (isinstance(field, fields.Function)
                or name in {'create_uid', 'write_uid'}):
            continue
        if field._type == 'reference':
            result.append(name)
        elif field._type in {'many2one', 'one2one', 'many2many'}:
            if guarded(field.get_target()):
                result.append(name)
    Model._crm_stored_links = (shared, result)
    return result


def check_links(Model, mode, records, values=None):
    "Refuse to link records to guarded records the user may not read."
    links = Links()
    if mode == 'write':
        for name, value in (values or {}).items():
            field = Model._fields.get(name)
            if field is not None:
                links.add_value(field, value)
    else:
        for name in _stored_links(Model):
            for record in records:
                value = getattr(record, name)
                if isinstance(value, ModelStorage):
                    links.add(value.__class__, [value.id])
                elif isinstance(value, (list, tuple)):
                    for target in value:
                        links.add(target.__class__, [target.id])
    links.check()


# Patches of the host -------------------------------------------------------

def _patch_records_read(name, Base=ModelStorage, mode='read'):
    """Make Base.<name>(records, ...), which reads the records (or ids)
    without rules, first check that the user may read guarded ones (or
    write them with mode 'write')."""
    method = getattr(Base, name).__func__

    @wraps(method)
    def guarded_method(cls, records, *args, **kwargs):
        if on_behalf_of_user() and guarded(cls):
            check_readable(cls, map(int, records), mode=mode)
        return method(cls, records, *args, **kwargs)
    setattr(Base, name, classmethod(guarded_method))


def _patch_before_write():
    before_write = ModelStorage._before_write.__func__

    @wraps(before_write)
    def guarded_before_write(cls, *args):
        if on_behalf_of_user() and guarded(cls):
            records = [r for r in args[::2] for r in r]
            check_readable(cls, map(int, records), mode='write')
        return before_write(cls, *args)
    ModelStorage._before_write = classmethod(guarded_before_write)


def _patch_domain_rule_errors():
    """The host refuses a read or a change of hidden records naming its
    rules, and of missing records saying they do not exist: for guarded
    records, both get the message of records not shared, which does not
    tell a hidden record from a missing one."""
    check_domain_rule = ModelSQL._ModelSQL__check_domain_rule.__func__

    @wraps(check_domain_rule)
    def guarded_check_domain_rule(cls, ids, mode):
        try:
            return check_domain_rule(cls, ids, mode)
        except AccessError:
            if on_behalf_of_user() and guarded(cls):
                check_readable(cls, ids, mode=mode)
            raise
    ModelSQL._ModelSQL__check_domain_rule = classmethod(
        guarded_check_domain_rule)


def _import_ids(Model, fields_names, data):
    """Yield (Model, ids) of the integer ids of the id columns of an
    import (``id``, ``contact_mechanisms/id`` ...): the records it writes."""
    for index, name in enumerate(fields_names):
        *path, last = name.split('/')
        if last != 'id':
            continue
        Target = Model
        for field_name in path:
            field = Target._fields.get(field_name)
            Target = field.get_target() if field is not None and hasattr(
                field, 'get_target') else None
            if Target is None:
                break
        if Target is None:
            continue
        ids = [row[index] for row in data if index < len(row)]
        yield Target, [int(i) for i in ids
            if isinstance(i, int) or (isinstance(i, str) and i.isdigit())]


def _patch_import_data():
    import_data = ModelStorage.import_data.__func__

    @wraps(import_data)
    def guarded_import_data(cls, fields_names, data):
        if on_behalf_of_user() and _sharing() is not None:
            for Target, ids in _import_ids(cls, fields_names, data):
                if ids and guarded(Target):
                    check_readable(Target, ids, mode='write')
        return import_data(cls, fields_names, data)
    ModelStorage.import_data = classmethod(guarded_import_data)


def _patch_resource_access():
    """The host's access check of attachments, notes and avatars reads
    their resource without rules: it reads it to check the user's access
    to it, as guard's own check does (declared as such)."""
    for name in ['check_access', 'search']:
        method = getattr(ResourceAccessMixin, name).__func__

        def declared_method(cls, *args, __method=method, **kwargs):
            with declared("access check"):
                return __method(cls, *args, **kwargs)
        setattr(ResourceAccessMixin, name,
            classmethod(wraps(method)(declared_method)))


def _patch_before_create():
    before_create = ModelStorage._before_create.__func__

    @wraps(before_create)
    def guarded_before_create(cls, vlist):
        # Before validation, whose errors would name the linked record;
        # check_modification checks again the created records, for the
        # values added after this (defaults, e.g. "default_<field>" of the
        # context)
        if on_behalf_of_user() and _sharing() is not None:
            links = Links()
            for values in vlist:
                links.add_values(cls, {
                        k: v for k, v in values.items() if k != 'id'})
            links.check()
        return before_create(cls, vlist)
    ModelStorage._before_create = classmethod(guarded_before_create)


def _patch_check_modification():
    check_modification = ModelStorage.check_modification.__func__

    @wraps(check_modification)
    def guarded_check_modification(
            cls, mode, records, values=None, external=False):
        check_modification(
            cls, mode, records, values=values, external=external)
        if (external and mode in {'create', 'write'}
                and _sharing() is not None):
            check_links(cls, mode, records, values)
    ModelStorage.check_modification = classmethod(
        guarded_check_modification)


def _request_links(rpc, obj, data, context):
    """Check that the guarded ids a request carries (its records, the
    values of their relation fields, the active records of its context)
    are readable."""
    if rpc.instantiate is None:
        data = []
    elif isinstance(rpc.instantiate, slice):
        data = data[rpc.instantiate]
    else:
        data = data[rpc.instantiate:rpc.instantiate + 1]
    links = Links()
    if isinstance(context.get('active_model'), str):
        # Wizards and their views load their defaults from these
        try:
            Active = Pool().get(context['active_model'])
        except KeyError:
            Active = None
        if Active is not None:
            ids = list(context.get('active_ids') or [])
            ids.append(context.get('active_id'))
            links.add(Active, [i for i in ids if isinstance(i, int)])
    for item in data:
        if isinstance(item, dict):
            links.add_values(obj, item)
        elif isinstance(item, int):
            links.add(obj, [item])
        elif isinstance(item, (list, tuple)):
            links.add(obj, [i for i in item if isinstance(i, int)])
    with Transaction().set_context(context, _check_access=True):
        links.check()


def _patch_rpc():
    convert = RPC.convert

    @wraps(convert)
    def guarded_convert(self, obj, *args, **kwargs):
        # Before the host instantiates the records: building them from the
        # values loads the records they link to
        if (Transaction().user and _sharing() is not None
                and hasattr(obj, '_fields')):
            context = kwargs['context'] if 'context' in kwargs else (
                args[-1] if args else None)
            if isinstance(context, dict):
                data = list(args if 'context' in kwargs else args[:-1])
                _request_links(self, obj, data, {
                        k: v for k, v in context.items()
                        if not k.startswith('_') or k == '_datetime'})
        return convert(self, obj, *args, **kwargs)
    RPC.convert = guarded_convert


def _patch_wizard():
    execute = Wizard.execute.__func__

    @wraps(execute)
    def guarded_execute(cls, session_id, data, state_name):
        if (Transaction().user and _sharing() is not None
                and isinstance(data, dict)):
            links = Links()
            for key, values in data.items():
                state = cls.states.get(key)
                if isinstance(state, StateView) and isinstance(values, dict):
                    links.add_values(
                        Pool().get(state.model_name),
                        {k: v for k, v in values.items() if k != 'id'})
            with check_access():
                links.check()
        return execute(cls, session_id, data, state_name)
    Wizard.execute = classmethod(guarded_execute)


def _reads_revision(Model):
    "Tell if the user reads Model's guarded records as at a past date."
    return bool(Transaction().context.get('_datetime')
        and getattr(Model, '_history', False)
        and on_behalf_of_user() and guarded(Model))


def _patch_history():
    read = ModelSQL.read.__func__
    search = ModelSQL.search.__func__

    @wraps(read)
    def guarded_read(cls, ids, fields_names):
        if _reads_revision(cls):
            check_readable(cls, ids)
        return read(cls, ids, fields_names)
    ModelSQL.read = classmethod(guarded_read)

    @wraps(search)
    def guarded_search(cls, domain, offset=0, limit=None, order=None,
            count=False, query=False):
        if _reads_revision(cls):
            Rule = Pool().get('ir.rule')
            with Transaction().set_context(_datetime=None):
                now = Rule.query_get(cls.__name__, mode='read')
            domain = [domain, ('id', 'in', now)]
        return search(cls, domain, offset=offset, limit=limit, order=order,
            count=count, query=query)
    ModelSQL.search = classmethod(guarded_search)


def _patch_search_domain():
    search_domain = ModelSQL.search_domain.__func__

    @wraps(search_domain)
    def guarded_search_domain(cls, domain, active_test=None, tables=None):
        nested = on_behalf_of_user() or _inherit.get()
        token, inherit = _nested.set(nested), _inherit.set(False)
        try:
            return search_domain(
                cls, domain, active_test=active_test, tables=tables)
        finally:
            _inherit.reset(inherit)
            _nested.reset(token)
    ModelSQL.search_domain = classmethod(guarded_search_domain)


def _domain_target(field, domain):
    if field._type == 'reference':
        if len(domain) > 3 and '.' in domain[0]:
            try:
                return Pool().get(domain[3])
            except KeyError:
                return None
        return None
    return field.get_target()


def _patch_convert_domain(Field):
    convert_domain = Field.convert_domain

    @wraps(convert_domain)
    def guarded_convert_domain(self, domain, tables, Model):
        if not _nested.get() or _sharing() is None:
            return convert_domain(self, domain, tables, Model)
        if guarded(_domain_target(self, domain)):
            # The target's rules apply to what the clause looks into
            with check_access():
                return convert_domain(self, domain, tables, Model)
        token = _inherit.set(True)
        try:
            return convert_domain(self, domain, tables, Model)
        finally:
            _inherit.reset(token)
    Field.convert_domain = guarded_convert_domain


def _patch_target_tables():
    get_target_tables = fields.Many2One._get_target_tables

    @wraps(get_target_tables)
    def guarded_target_tables(self, tables, Model):
        new = tables.get(self.name) is None
        target_tables = get_target_tables(self, tables, Model)
        Target = self.get_target()
        if (new and (_nested.get() or on_behalf_of_user())
                and Transaction().user and guarded(Target)):
            # Hidden targets join as NULL: no order by their values
            target, condition = target_tables[None]
            with check_access():
                readable = Target.search([], order=[], query=True)
            target_tables[None] = (target, condition & target.id.in_(readable))
        return target_tables
    fields.Many2One._get_target_tables = guarded_target_tables


_installed = False


def install():
    "Close the side doors (once per process)."
    global _installed
    if _installed:
        return
    _installed = True
    # A copy becomes the user's own record: copying what it may only read
    # (shared read only) would take the data beyond what read allows
    _patch_records_read('copy', mode='write')
    _patch_records_read('export_data')
    # The revisions of a record kept with _history give who changed it
    # and when
    _patch_records_read('history_revisions', ModelSQL)
    # and the revisions read at a date follow today's rules too
    _patch_history()
    # The host checks the rules of a write or a delete after
    # check_modification, on_write and on_delete have read the records
    # (their names in a message, their state): the rules come first
    _patch_before_write()
    _patch_records_read('_before_delete', mode='delete')
    # A hidden record and a missing one are refused alike
    _patch_domain_rule_errors()
    _patch_resource_access()
    # The overrides of write read the records before the host's
    # _before_write: an import checks the ids it writes first
    _patch_import_data()
    _patch_before_create()
    _patch_check_modification()
    _patch_rpc()
    _patch_wizard()
    _patch_search_domain()
    for Field in [
            fields.Many2One, fields.One2Many, fields.Many2Many,
            fields.Reference]:
        _patch_convert_domain(Field)
    _patch_target_tables()
    from . import request_guard, speedups
    request_guard.install()
    speedups.install()
