# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The world the attacker stands in: users and records made by the admin.

:class:`World` holds the shared models, the links pointing to them, the
hidden records (the victim's, filled with markers, and every record
pointing to one), the attacker's records (low and high values, bridges
pointing to hidden records) and the snapshots of the hidden records to
tell a change.  ``build.py`` builds it.

Nothing here names a CRM model but the set-up hints: WORLD_HINTS (the
kinds of party.party, accounts and contacts; the CRM's leads; the periods
of crm.quota, one quota per owner and quarter not over; customer invoices
on a receivable account) and CHILD_HINTS (the contact mechanisms: an
e-mail and a phone number).
"""
import datetime
import decimal
import itertools
from collections import defaultdict

from crm_testing import RpcError

from .calls import classify_error
from .markers import (
    HIGH, HIGH_NUMBER, LOW, LOW_NUMBER, SECRET_INTEGER, SECRET_NUMERIC,
    Secrets)

# Records of a shared model are created with each of these base values in
# turn (the first that the server accepts is kept).  Placeholders:
# '$company' is the company of the world, the others are the world's
# placeholders (test_attack_surface.py: '$receivable', the company's
# receivable account, '$customer' and '$customer_address', a customer
# outside CRM sharing); '$record:<model>' is a record of model the admin
# makes once from its own first hint.
WORLD_HINTS = {
    'party.party': [
        {'crm_type': 'account', 'crm_company': '$company'},
        {'crm_type': 'contact', 'crm_company': '$company'},
        ],
    # Leads as the CRM's menus create them (the host requires an employee
    # on its own opportunities)
    'sale.opportunity': [{'crm_lead': True}],
    # One quota per owner and quarter, of a quarter not over, a valid year
    'crm.quota': [
        {'year': datetime.date.today().year + 1, 'quarter': str(quarter)}
        for quarter in range(1, 5)],
    # Customer invoices (draft: no journal nor chart needed)
    'account.invoice': [{'type': 'out', 'account': '$receivable',
            'party': '$customer', 'invoice_address': '$customer_address'}],
    # An event a week ahead: an event requires its end
    'crm.activity': [{
            'kind': 'event', 'status': 'planned', 'timezone': 'UTC',
            'start': datetime.datetime.combine(
                datetime.date.today() + datetime.timedelta(days=7),
                datetime.time(9)),
            'end': datetime.datetime.combine(
                datetime.date.today() + datetime.timedelta(days=7),
                datetime.time(10)),
            }],
    # A tag on a record needs a tag both users may use: a public one
    'crm.tag': [{'visibility': 'public'}],
    'crm.tag.link': [{'tag': '$record:crm.tag'}],
    }
# The buttons that bring a record from its default state to a state, for
# the models whose state a client may not write (crm_core's server
# fields): the world clicks them as the admin
STATE_BUTTONS = {
    'crm.ticket': {
        'in_progress': ['start'],
        'wait_for_response': ['wait'],
        'closed': ['close'],
        },
    'crm.faq': {
        'reviewed': ['review'],
        'published': ['publish'],
        'obsolete': ['publish', 'obsolete'],
        },
    }
# Children created on each hidden record through a One2Many (by target
# model): several value sets give several children.
CHILD_HINTS = {
    'party.contact_mechanism': [
        {'type': 'email', 'value': '$email'},
        {'type': 'phone', 'value': '$phone'},
        ],
    }
# Fields never filled with markers (bookkeeping, or values the server
# computes)
SKIP_FILL = {
    'id', 'rec_name', 'xml_id', 'create_uid', 'create_date', 'write_uid',
    'write_date', 'last_modified_at', 'assigned_user', 'assigned_team',
    'active', 'sequence', 'crm_type', 'crm_company', 'company',
    # a sale writes lines of its own from these (crm_sales' charges): the
    # lines of the attacker's sales of a hidden account would be counted
    # hidden (their customer is)
    'crm_discount_type', 'crm_discount_rate', 'crm_discount_amount',
    'crm_adjustment',
    }
RELATION_TYPES = {'many2one', 'one2many', 'many2many'}
TEXT_TYPES = {'char', 'text'}
NUMBER_TYPES = {'numeric', 'float', 'integer'}


class World:
    """Users, hidden and visible records, built by the admin over RPC.

    hidden[model]: ids of the records the attacker must not reach: the
    victim's records of the shared models and every record pointing to one
    of them (children); own[model]: the attacker's records; bridges: the
    attacker's records of a shared model pointing to a hidden one."""

    def __init__(self, admin, attacker, users, company, meta,
            placeholders=None):
        self.admin = admin
        self.attacker = attacker
        self.users = users
        self.company = company
        self.placeholders = dict(placeholders or {})
        self.meta = meta
        self.secrets = Secrets()
        self.shared = []
        self.fields = {}
        self.atk_fields = {}
        self.links = []         # (model, field, ttype, target)
        self.hidden = defaultdict(list)
        self.hidden_base = defaultdict(list)
        self.variant_of = {}    # (model, id) -> variant index
        self.own = defaultdict(list)
        self.own_variant = {}   # (model, variant) -> (low id, high id)
        self.bridges = {}       # (model, field) -> {...}
        self.bridge_ids = defaultdict(set)
        self.reverse = defaultdict(list)    # (model, field) -> [(h, own)]
        self.snapshot = {}
        self.skipped = []       # (model, reason)
        self.created_by_admin = defaultdict(list)
        self.hinted = {}        # model -> id ('$record:<model>')
        self._unique = itertools.count(1)
        self._phones = itertools.count(1000001)

    # --- helpers

    def sample(self, model, size=3):
        "The hidden records of model attacked one by one"
        if self.hidden_base.get(model):
            return list(self.hidden_base[model])
        return list(self.hidden.get(model, []))[:size]

    def unique(self, prefix='ATK'):
        return f'{prefix}-{next(self._unique)}'

    def model_meta(self, model):
        return self.meta['models'].get(model, {})

    def fields_of(self, model):
        if model not in self.fields:
            try:
                self.fields[model] = self.admin.model(
                    model, 'fields_get', None)
            except RpcError:
                self.fields[model] = {}
        return self.fields[model]

    def attacker_fields(self, model):
        if model not in self.atk_fields:
            try:
                self.atk_fields[model] = self.attacker.model(
                    model, 'fields_get', None)
            except RpcError:
                self.atk_fields[model] = None
        return self.atk_fields[model]

    def rec_name_field(self, model):
        name = self.model_meta(model).get('rec_name') or 'name'
        if name in self.fields_of(model):
            return name
        return None

    def secret_fields(self, model, limit=3):
        """Fields of model holding markers: the rec_name field, a number
        and a text, searchable"""
        fields = self.fields_of(model)
        chosen = []
        rec_name = self.rec_name_field(model)
        if rec_name and fields[rec_name].get('searchable', True):
            chosen.append(rec_name)

        # (the values a set-up hint gives are no markers)
        hinted = {k for hint in WORLD_HINTS.get(model, []) for k in hint}

        def fillable(name, field):
            return (name not in SKIP_FILL and name not in chosen
                and name not in hinted
                and field.get('searchable', True)
                and self._fillable(model, name, field))
        for types in [NUMBER_TYPES - {'integer'}, {'integer'}, {'text'},
                {'char'}]:
            for name, field in sorted(fields.items()):
                if field['type'] in types and fillable(name, field):
                    chosen.append(name)
                    break
        return chosen[:limit]

    def computed(self, model):
        return set(self.model_meta(model).get('computed') or [])

    def _fillable(self, model, name, field):
        if name in SKIP_FILL or field.get('readonly'):
            return False
        if name in self.computed(model):
            return False
        return field['type'] in TEXT_TYPES | NUMBER_TYPES

    # --- creation

    def fill(self, model, kind, tag=None):
        """Values for every fillable Char, Text and number field of model:
        markers (kind 'secret'), or low or high values of the attacker
        (unique, sorting below and above the markers)"""
        values = {}
        suffix = next(self._unique)
        for name, field in self.fields_of(model).items():
            if not self._fillable(model, name, field):
                continue
            ftype = field['type']
            if ftype in TEXT_TYPES:
                if field.get('size'):
                    continue
                if kind == 'secret':
                    value = Secrets.value(tag, name)
                else:
                    value = (
                        f'{LOW if kind == "low" else HIGH}-{name}-{suffix}')
                values[name] = self.formatted(name, value, tag, kind)
            elif ftype == 'numeric':
                values[name] = {
                    'secret': SECRET_NUMERIC,
                    'low': decimal.Decimal(LOW_NUMBER),
                    'high': decimal.Decimal(HIGH_NUMBER)}[kind]
            elif ftype == 'float':
                values[name] = float({
                        'secret': SECRET_NUMERIC, 'low': LOW_NUMBER,
                        'high': HIGH_NUMBER}[kind])
            elif ftype == 'integer':
                values[name] = {
                    'secret': SECRET_INTEGER, 'low': LOW_NUMBER,
                    'high': HIGH_NUMBER}[kind]
        return values

    def formatted(self, name, value, tag, kind):
        """value in the format a field of that name expects (e-mail, URL,
        phone number); the phone numbers of hidden records are markers"""
        lower = name.lower()
        if 'email' in lower:
            return f'{value}@example.com'.lower().replace('_', '-')
        if 'website' in lower or lower.endswith('url'):
            return 'https://%s.example.com' % value.lower().replace('_', '-')
        if lower in {'phone', 'mobile', 'fax'} or lower.endswith('_phone'):
            number = ('+3247%07d' if kind == 'secret' else '+3249%07d') % (
                next(self._phones))
            if kind == 'secret':
                self.secrets.add(number, ('phone', tag, name))
            return number
        return value

    def defaults(self, model, client=None):
        "The default values of the stored fields of model"
        client = client or self.admin
        fields = self.fields_of(model)
        try:
            defaults = client.model(model, 'default_get', list(fields), False)
        except RpcError:
            defaults = {}
        computed = self.computed(model)
        return {k: v for k, v in defaults.items()
            if k in fields and v is not None and k not in computed
            and not k.endswith('.')
            and fields[k]['type'] not in {'one2many', 'many2many'}}

    def required_values(self, model, client=None, exclude=()):
        "Values for the required fields without a default"
        client = client or self.admin
        fields = self.fields_of(model)
        computed = self.computed(model)
        values = self.defaults(model, client)
        for name, field in fields.items():
            if name in exclude or name in values or name in computed:
                continue
            ftype = field['type']
            if ftype == 'many2one' and field.get('relation') == (
                    'company.company'):
                values[name] = self.company
                continue
            if not field.get('required') or field.get('readonly'):
                continue
            if ftype in TEXT_TYPES:
                values[name] = self.unique('REQ')
            elif ftype in NUMBER_TYPES:
                values[name] = 1
            elif ftype == 'boolean':
                values[name] = False
            elif ftype == 'date':
                values[name] = datetime.date.today()
            elif ftype == 'datetime':
                values[name] = datetime.datetime.now().replace(microsecond=0)
            elif ftype == 'selection':
                options = [s[0] for s in field.get('selection') or []
                    if isinstance(s, (list, tuple)) and s[0]]
                if options:
                    values[name] = options[0]
            elif ftype == 'many2one':
                found = self.visible_record(field['relation'], client)
                if found:
                    values[name] = found
        return values

    def visible_record(self, relation, client=None, create=False):
        """A record of relation to link to, never a hidden one (the
        world's own links are known); create: one made by the admin when
        there is none"""
        if self.own.get(relation):
            return self.own[relation][0]
        try:
            found = (client or self.admin).model(relation, 'search', [
                    ('id', 'not in', self.hidden.get(relation, [])),
                    ], 0, 1, None)
        except RpcError:
            found = []
        if not found and create:
            record_id, _, _ = self.admin_create(
                relation, [self.required_values(relation)])
            found = [record_id] if record_id else []
        return found[0] if found else None

    def hidden_link(self, model, name):
        """A hidden record for the Many2One name of model to a shared
        model, in the field's domain when the admin can tell"""
        from trytond.pyson import PYSONDecoder

        field = self.fields_of(model)[name]
        ids = self.hidden_base.get(field['relation'], [])
        try:
            domain = PYSONDecoder({}).decode(field.get('domain') or '[]')
            found = self.admin.model(field['relation'], 'search',
                [('id', 'in', ids), domain], 0, 1, None)
        except Exception:
            found = []
        return found[0] if found else (ids[0] if ids else None)

    def expand(self, values, extra=None):
        result = {}
        for key, value in values.items():
            if value == '$company':
                value = self.company
            elif isinstance(value, str) and value in self.placeholders:
                value = self.placeholders[value]
            elif isinstance(value, str) and value.startswith('$record:'):
                value = self.hinted_record(value[len('$record:'):])
            elif value in {'$email', '$phone'}:
                tag = (extra or {}).get('tag', 'h0')
                value = self.formatted(
                    value[1:], Secrets.value(tag, f'child-{key}-{value[1:]}'),
                    tag, 'secret')
            result[key] = value
        return result

    def hinted_record(self, model):
        """A record of model made by the admin from the first hint of
        model, once (None if the server refuses it)"""
        if model not in self.hinted:
            hint = self.expand((WORLD_HINTS.get(model) or [{}])[0])
            self.hinted[model], _, _ = self.admin_create(model, [{
                        **self.required_values(model, exclude=set(hint)),
                        **hint}])
        return self.hinted[model]

    def admin_create(self, model, candidates):
        "Create with the first of candidates the server accepts"
        errors = []
        for values in candidates:
            try:
                record_id, = self.admin.model(model, 'create', [values])
                self.created_by_admin[model].append(record_id)
                return record_id, values, None
            except RpcError as error:
                errors.append(classify_error(error)[1][:300])
        return None, None, '; '.join(errors)

    def hints_for(self, model, field):
        """The set-up hints of model, those showing field (by its states)
        first"""
        from trytond.pyson import PYSONDecoder

        hints = WORLD_HINTS.get(model) or [{}]
        states = self.fields_of(model).get(field, {}).get('states')

        def hidden(hint):
            if not states:
                return False
            try:
                record = {k: v for k, v in hint.items()
                    if not str(v).startswith('$')}
                values = PYSONDecoder({**record, 'id': -1}).decode(states)
            except Exception:
                return False
            return bool(values.get('invisible') or values.get('readonly'))
        return sorted(hints, key=hidden)

    def owned_values(self, model, user_id):
        fields = self.fields_of(model)
        values = {}
        if 'assigned_user' in fields:
            values['assigned_user'] = user_id
        return values

    def create_record(self, model, kind, owner, tag=None, extra=None,
            variants=None, keep_defaults=False):
        """Create a record of a shared model owned by owner; return
        (id, variant index, error).  keep_defaults: the fields with a
        default keep it (a year, a quarter: the current period)"""
        hints = variants if variants is not None else (
            WORLD_HINTS.get(model) or [{}])
        base_fill = self.fill(model, kind, tag)
        if keep_defaults:
            defaults = self.defaults(model)
            base_fill = {k: v for k, v in base_fill.items()
                if k not in defaults}
        candidates = []
        for index, hint in enumerate(hints):
            hint = self.expand(hint, {'tag': tag})
            required = self.required_values(model, exclude=set(hint))
            common = {**required, **hint, **self.owned_values(model, owner),
                **(extra or {})}
            # (a hint's values win over the markers: a year, a quarter)
            candidates.append((index, {**common, **base_fill, **hint}))
            # without the fields that may not hold any text (formats)
            minimal = {k: v for k, v in base_fill.items()
                if self.fields_of(model)[k]['type'] in {'char', 'text'}}
            candidates.append((index, {**common, **minimal, **hint}))
        errors = []
        for index, values in candidates:
            record_id, _, error = self.admin_create(model, [values])
            if record_id:
                return record_id, index, None
            errors.append(error)
        return None, None, '; '.join(errors)

    def create_in_period(self, model):
        """Hidden records of model for the reports of the current period:
        owned by the victim, markers and secret numbers in the fields
        without a default, today in every date field without one, a
        hidden record in every Many2One to another shared model, one
        record per value of the workflow state (Tryton's ``state``: the
        reports count some states only).  Return the ids created."""
        fields = self.fields_of(model)
        defaults = self.defaults(model)
        today = datetime.date.today()
        now = datetime.datetime.now().replace(microsecond=0)
        dated = {}
        for name, field in fields.items():
            if name in SKIP_FILL or name in defaults or (
                    name in self.computed(model)):
                continue
            relation = field.get('relation')
            if field['type'] == 'date':
                dated[name] = today
            elif field['type'] == 'datetime':
                dated[name] = now
            elif field['type'] != 'many2one' or relation == model:
                continue
            elif relation in self.shared:
                dated[name] = self.hidden_link(model, name)
            elif 'required' in str(field.get('states') or ''):
                # required in some state only (an employee once won)
                dated[name] = self.visible_record(relation, create=True)
        dated = {k: v for k, v in dated.items() if v is not None}
        amounts = self.secret_amounts(model, defaults)
        states = [None]
        if fields.get('state', {}).get('type') == 'selection':
            states = [s[0] for s in fields['state'].get('selection') or []
                if isinstance(s, (list, tuple)) and s[0]]
        ids = []
        for state in states:
            tag = self.secrets.tag()
            extra = {} if state is None else {'state': state}
            record_id = None
            errors = []
            buttons = STATE_BUTTONS.get(model, {}).get(state)
            if buttons is not None:
                extra = {}
            for values in [{**dated, **amounts}, amounts, {}]:
                record_id, _, error = self.create_record(
                    model, 'secret', self.users['victim'], tag=tag,
                    extra={**values, **extra}, keep_defaults=True)
                if record_id:
                    break
                errors.append(error)
            if record_id and buttons:
                for button in buttons:
                    self.admin.model(model, button, [record_id])
            if record_id:
                ids.append(record_id)
                for row in self.read_admin(model, [record_id]):
                    self.secrets.register(model, record_id, row)
            else:
                self.skipped.append((model,
                        f'no hidden record in state {state} for the '
                        f'reports: {"; ".join(errors)[:600]}'))
        return ids

    def secret_amounts(self, model, defaults):
        """The secret number in every numeric field without a default: the
        sums change by it (and not by a format's bound)"""
        return {name: SECRET_NUMERIC
            for name, field in self.fields_of(model).items()
            if field['type'] == 'numeric' and name not in defaults
            and self._fillable(model, name, field)}

    def change_in_period(self, model):
        """The secret amounts on the world's hidden records of model, for
        a model that takes no more of them (one per owner and period);
        return {id: the values before}"""
        amounts = self.secret_amounts(model, self.defaults(model))
        changed = {}
        for record_id in self.hidden_base.get(model, []):
            before = self.snapshot.get((model, record_id), {})
            if not amounts or not all(n in before for n in amounts):
                continue
            try:
                self.admin.model(model, 'write', [record_id], amounts)
            except RpcError:
                continue
            changed[record_id] = {n: before[n] for n in amounts}
        return changed

    def restore_values(self, model, changed):
        "Write back the values change_in_period changed"
        for record_id, values in changed.items():
            try:
                self.admin.model(model, 'write', [record_id], values)
            except RpcError:
                continue
            # the write date moved: the snapshot of the unchanged record
            for row in self.read_admin(
                    model, [record_id], self.stored_fields(model)):
                self.snapshot[model, record_id] = row

    def delete_records(self, model, ids):
        """Delete records created by the admin, through each state when
        the model refuses to delete them in theirs (best effort)"""
        states = [None] + [s[0] for s in
            self.fields_of(model).get('state', {}).get('selection') or []
            if isinstance(s, (list, tuple)) and s[0]]
        for record_id in ids:
            for state in states:
                try:
                    if state is not None:
                        self.admin.model(
                            model, 'write', [record_id], {'state': state})
                    self.admin.model(model, 'delete', [record_id])
                except RpcError:
                    continue
                if record_id in self.created_by_admin.get(model, []):
                    self.created_by_admin[model].remove(record_id)
                break

    def read_admin(self, model, ids, fields=None):
        "The records as the admin reads them ([] when it cannot)"
        fields = fields or self.stored_fields(model)
        try:
            return self.admin.model(model, 'read', list(ids), fields)
        except RpcError:
            # some computed field needs a context: the stored values
            computed = self.computed(model)
            fields = [n for n in fields if n not in computed]
            try:
                return self.admin.model(model, 'read', list(ids), fields)
            except RpcError:
                return []

    def stored_fields(self, model):
        """The fields read to compare the records (snapshots, new records):
        the stored ones"""
        functions = set(self.model_meta(model).get('functions') or [])
        return sorted(
            name for name, field in self.fields_of(model).items()
            if field['type'] not in {'one2many', 'many2many'}
            and name not in functions
            and name not in {'rec_name', 'xml_id', 'last_modified_at'})
