"""Accounts (organisations) and contacts (persons) on ``party.party``."""
import re
from urllib.parse import urlsplit

from sql import Literal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ChatMixin, Index, fields
from trytond.model.exceptions import AccessError
from trytond.model.modelsql import convert_from
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import escape_wildcard, strip_wildcard
from trytond.transaction import Transaction, without_check_access

from .exceptions import DuplicateWarning, InvalidValueError, RecursionError
from .global_search import GlobalSearchMixin, SearchType
from .guard import declared, readable_ids
from .ownership import OwnedMixin

ACCOUNT_TYPES = [
    (None, ""),
    ('customer', "Customer"),
    ('prospect', "Prospect"),
    ('partner', "Partner"),
    ('reseller', "Reseller"),
    ('competitor', "Competitor"),
    ('investor', "Investor"),
    ('press', "Press"),
    ('other', "Other"),
    ]
INDUSTRIES = [
    (None, ""),
    ('apparel', "Apparel"),
    ('banking', "Banking"),
    ('biotechnology', "Biotechnology"),
    ('chemicals', "Chemicals"),
    ('communications', "Communications"),
    ('construction', "Construction"),
    ('consulting', "Consulting"),
    ('education', "Education"),
    ('electronics', "Electronics"),
    ('energy', "Energy"),
    ('engineering', "Engineering"),
    ('entertainment', "Entertainment"),
    ('environmental', "Environmental"),
    ('finance', "Finance"),
    ('food_beverage', "Food & Beverage"),
    ('government', "Government"),
    ('healthcare', "Healthcare"),
    ('hospitality', "Hospitality"),
    ('insurance', "Insurance"),
    ('machinery', "Machinery"),
    ('manufacturing', "Manufacturing"),
    ('media', "Media"),
    ('not_for_profit', "Not For Profit"),
    ('recreation', "Recreation"),
    ('retail', "Retail"),
    ('shipping', "Shipping"),
    ('technology', "Technology"),
    ('telecommunications', "Telecommunications"),
    ('transportation', "Transportation"),
    ('utilities', "Utilities"),
    ('other', "Other"),
    ]
RATINGS = [
    (None, ""),
    ('acquired', "Acquired"),
    ('active', "Active"),
    ('market_failed', "Market Failed"),
    ('project_cancelled', "Project Cancelled"),
    ('shutdown', "Shutdown"),
    ]
SALUTATIONS = [
    (None, ""),
    ('mr', "Mr."),
    ('ms', "Ms."),
    ('mrs', "Mrs."),
    ('dr', "Dr."),
    ('prof', "Prof."),
    ]
LEAD_SOURCES = [
    (None, ""),
    ('cold_call', "Cold Call"),
    ('existing_customer', "Existing Customer"),
    ('self_generated', "Self Generated"),
    ('employee', "Employee"),
    ('partner', "Partner"),
    ('public_relations', "Public Relations"),
    ('direct_mail', "Direct Mail"),
    ('conference', "Conference"),
    ('trade_show', "Trade Show"),
    ('web_site', "Web Site"),
    ('word_of_mouth', "Word of Mouth"),
    ('other', "Other"),
    ]

_COMPANY = {'company': Eval('crm_company', -1)}
_ACCOUNT = {'invisible': Eval('crm_type') != 'account'}
_CONTACT = {'invisible': Eval('crm_type') != 'contact'}


def check_no_cycle(records, field_name, message_id):
    "Raise RecursionError if following field_name from a record loops."
    for record in records:
        seen = {record.id}
        parent = getattr(record, field_name)
        while parent:
            if parent.id in seen:
                raise RecursionError(gettext(
                        message_id, record=record.rec_name))
            seen.add(parent.id)
            parent = getattr(parent, field_name)


_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def valid_email(value):
    "Tell if value is the syntax of an e-mail address (no DNS look-up)."
    local = value.rsplit('@', 1)[0]
    return (len(value) <= 254 and bool(_EMAIL.match(value))
        and not local.startswith('.') and not local.endswith('.')
        and '..' not in local)


def check_not_negative(records, names, field_names=None):
    """Refuse a negative value in the fields names of records (those of
    field_names only, when given)."""
    for record in records:
        for name in names:
            if field_names and name not in field_names:
                continue
            value = getattr(record, name)
            if value is not None and value < 0:
                raise InvalidValueError(gettext(
                        'crm_core.msg_negative_value',
                        field=record.__names__(name)['field'],
                        record=record.rec_name))


def valid_url(value):
    "Tell if value is an absolute http(s) URL or a bare host name."
    if '://' not in value:
        value = 'http://' + value
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = parts.hostname or ''
    return (parts.scheme in {'http', 'https'}
        and '.' in host.strip('.')
        and not any(c.isspace() for c in value)
        and all(label for label in host.split('.')))


def _positive(operator):
    return not (operator.startswith('!') or operator.startswith('not '))


def _and_clauses(domain):
    "Return the clauses and sub-domains ANDed by domain."
    if is_leaf(domain):
        return [domain]
    if not domain:
        return []
    if domain[0] == 'OR':
        return [domain]
    if domain[0] == 'AND':
        domain = domain[1:]
    return [c for sub_domain in domain for c in _and_clauses(sub_domain)]


def _given(domain, name, value):
    """Return domain for the records whose field name is value: True, False
    or the domain left once the clauses on name are decided."""
    if is_leaf(domain):
        if len(domain) != 3:
            return domain
        field, operator, operand = domain
        if operator in {'in', 'not in'} and not operand:
            return operator == 'not in'
        if field != name:
            return domain
        if operator == '=':
            return value == operand
        elif operator == '!=':
            return value != operand
        elif operator == 'in':
            return value in operand
        elif operator == 'not in':
            return value not in operand
        return domain
    if not domain:
        return True
    operator, sub_domains = 'AND', domain
    if isinstance(domain[0], str) and domain[0] in {'AND', 'OR'}:
        operator, sub_domains = domain[0], domain[1:]
    absorbing = operator == 'OR'
    left = []
    for sub_domain in sub_domains:
        result = _given(sub_domain, name, value)
        if result is absorbing:
            return absorbing
        elif result is not (not absorbing):
            left.append(result)
    if not left:
        return not absorbing
    return left[0] if len(left) == 1 else [operator] + left


def _email_prefilter(pattern):
    """Return a pattern that every value matching the (i)like pattern of an
    e-mail address also matches, and that a trigram index answers with few
    rows: the local part and its '@'; None if there is none.

    ``value ILIKE '%jo.doe.42@example.com%'`` alone makes the trigram index
    read the entries of 'exa', 'com' ... shared by all the e-mails; ANDed
    after ``value ILIKE '%jo.doe.42@%'`` it checks only the few rows of the
    latter (bench/: 38 -> 4 ms at 1M e-mails)."""
    if not isinstance(pattern, str) or '\\' in pattern:
        return None
    literal = strip_wildcard(pattern)
    if '%' in literal or '@' not in literal:
        return None
    local = literal.split('@', 1)[0]
    if len(local.strip('_')) < 3:
        return None
    return '%' + local + '@%'


class Party(GlobalSearchMixin, OwnedMixin, ChatMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
    crm_type = fields.Selection([
            (None, ""),
            ('account', "Account"),
            ('contact', "Contact"),
            ], "CRM Type",
        states={'readonly': Eval('id', -1) >= 0},
        help="Whether the party is a CRM account (an organisation) "
        "or a CRM contact (a person).")
    crm_company = fields.Many2One(
        'company.company', "Company", ondelete='RESTRICT',
        states={'required': Eval('crm_type', None) != None},  # noqa: E711
        help="The company the CRM record belongs to.")
    description = fields.Text("Description")

    # Accounts
    account_number = fields.Char(
        "Account Number", readonly=True, states=_ACCOUNT)
    account_type = fields.Selection(
        ACCOUNT_TYPES, "Account Type", states=_ACCOUNT)
    industry = fields.Selection(INDUSTRIES, "Industry", states=_ACCOUNT)
    rating = fields.Selection(RATINGS, "Rating", states=_ACCOUNT)
    annual_revenue = fields.Numeric(
        "Annual Revenue", digits=(16, 2), states=_ACCOUNT)
    employees = fields.Integer("Employees", states=_ACCOUNT)
    ownership = fields.Char(
        "Ownership", states=_ACCOUNT,
        help="Public, private, subsidiary ...")
    billing_address = fields.Many2One(
        'party.address', "Billing Address", ondelete='SET NULL',
        domain=[('party', '=', Eval('id', -1))], states=_ACCOUNT)
    shipping_address = fields.Many2One(
        'party.address', "Shipping Address", ondelete='SET NULL',
        domain=[('party', '=', Eval('id', -1))], states=_ACCOUNT)
    parent_account = fields.Many2One(
        'party.party', "Member Of", ondelete='RESTRICT',
        context=_COMPANY, depends={'crm_company'},
        domain=[
            ('crm_type', '=', 'account'),
            ('id', '!=', Eval('id', -1)),
            ],
        states=_ACCOUNT, help="The account this one belongs to.")
    child_accounts = fields.One2Many(
        'party.party', 'parent_account', "Member Accounts", readonly=True,
        context=_COMPANY, depends={'crm_company'},
        states=_ACCOUNT)
    contacts = fields.One2Many(
        'party.party', 'account', "Contacts",
        context=_COMPANY, depends={'crm_company'},
        domain=[('crm_type', '=', 'contact')],
        states=_ACCOUNT)

    # Contacts
    salutation = fields.Selection(SALUTATIONS, "Salutation", states=_CONTACT)
    first_name = fields.Char("First Name", states=_CONTACT)
    last_name = fields.Char(
        "Last Name",
        states={
            'invisible': _CONTACT['invisible'],
            'required': Eval('crm_type') == 'contact',
            })
    job_title = fields.Char("Title", states=_CONTACT)
    department = fields.Char("Department", states=_CONTACT)
    account = fields.Many2One(
        'party.party', "Account", ondelete='SET NULL',
        context=_COMPANY, depends={'crm_company'},
        domain=[('crm_type', '=', 'account')], states=_CONTACT,
        help="The organisation the contact works for.")
    reports_to = fields.Many2One(
        'party.party', "Reports To", ondelete='SET NULL',
        context=_COMPANY, depends={'crm_company'},
        domain=[
            ('crm_type', '=', 'contact'),
            ('id', '!=', Eval('id', -1)),
            ],
        states=_CONTACT)
    birthday = fields.Date("Birthday", states=_CONTACT)
    lead_source = fields.Selection(
        LEAD_SOURCES, "Lead Source", states=_CONTACT)
    email_opt_out = fields.Boolean(
        "E-mail Opt Out", states=_CONTACT,
        help="The contact receives no e-mail from the CRM: no notification, "
        "no mass e-mail, and the e-mail dialog does not propose its address.")
    do_not_call = fields.Boolean("Do Not Call", states=_CONTACT)
    reference = fields.Boolean(
        "Reference", states=_CONTACT,
        help="The contact agrees to be a reference for prospects.")
    notify_owner = fields.Boolean(
        "Notify Owner", states=_CONTACT,
        help="Notify the owner when the contact is changed.")
    image = fields.Binary("Image", states=_CONTACT)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                # (The name searches use the host's trigram index on the
                # rec_name: Index.Unaccent(COALESCE(name, '')))
                Index(t,
                    (t.crm_type, Index.Equality()),
                    (t.name, Index.Range(order='ASC'))),
                Index(t, (t.account, Index.Range())),
                Index(t, (t.parent_account, Index.Range())),
                Index(t, (t.reports_to, Index.Range())),
                # The sharing rule ("crm_type IS NULL OR assigned_user IN
                # ...") and the "Mine" tabs: accounts or contacts of an
                # owner without visiting the other type (bench/)
                Index(t,
                    (t.crm_type, Index.Equality()),
                    (t.assigned_user, Index.Equality()),
                    (t.name, Index.Range(order='ASC'))),
                # The order of the contact list (bench/)
                Index(t,
                    (t.crm_type, Index.Equality()),
                    (t.last_name, Index.Range(order='ASC')),
                    (t.first_name, Index.Range(order='ASC'))),
                # A sales rep's contacts in the order of the list, with the
                # owner clause search adds (_crm_owner_clause): the rep's
                # name searches walk its 11k rows instead of 230k (bench/:
                # 'ste%' at 1M contacts, plain unaccent, 330 -> 30 ms)
                Index(t,
                    (t.crm_type, Index.Equality()),
                    (t.assigned_user, Index.Equality()),
                    (t.last_name, Index.Range(order='ASC')),
                    (t.first_name, Index.Range(order='ASC'))),
                })
        # Company dependent values of related parties follow the company
        # of the CRM record
        for name in ['contact_mechanisms', 'replaced_by']:
            field = getattr(cls, name)
            field.context = {**field.context, **_COMPANY}
            field.depends.add('crm_company')
        # The names of the contacts read together ask once which of their
        # accounts the user may see
        cls.rec_name.getter = 'get_crm_rec_names'

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        if backend.name == 'postgresql':
            # The owner clause search adds repeats the read rule: without
            # statistics of the owners per type, PostgreSQL multiplies
            # their selectivities, expects 20 times too few rows for a
            # rep and sorts all its records instead of walking them in
            # the list order (bench/: a rep's contacts matching 'ste%' at
            # 1M contacts, 105 -> 19 ms)
            cursor = Transaction().connection.cursor()
            cursor.execute(
                'CREATE STATISTICS IF NOT EXISTS "%s_crm_owner" (mcv) '
                'ON crm_type, assigned_user, assigned_team FROM "%s"'
                % (cls._table, cls._table))

    @classmethod
    def crm_global_search_types(cls):
        # By name, then by rec_name: e-mails, phones (search_rec_name)
        return super().crm_global_search_types() + [
            SearchType(10, 'crm_core.act_account_form',
                [('crm_type', '=', 'account')], 'tryton-party', 'name'),
            SearchType(20, 'crm_core.act_contact_form',
                [('crm_type', '=', 'contact')], 'tryton-party', 'name'),
            ]

    @classmethod
    def default_crm_type(cls):
        return Transaction().context.get('crm_type')

    @classmethod
    def default_crm_company(cls):
        if Transaction().context.get('crm_type'):
            return Transaction().context.get('company')

    @classmethod
    def default_crm_owned(cls):
        return bool(Transaction().context.get('crm_type'))

    @classmethod
    def crm_records(cls, records):
        return [r for r in records if r.crm_type]

    @classmethod
    def crm_sharing_scope(cls):
        return ('crm_type', '=', None)

    @classmethod
    def crm_record_type_name(cls):
        return gettext('crm_core.msg_record_type_party')

    @classmethod
    def crm_import_concerns(cls, fields_names):
        return 'crm_type' in fields_names

    @fields.depends('first_name', 'last_name', 'crm_type', 'name')
    def on_change_with_name(self):
        "A contact is named from its first and last names, others keep theirs"
        if self.crm_type == 'contact':
            return self.contact_full_name(self.first_name, self.last_name)
        return self.name

    @fields.depends('first_name', 'last_name', 'crm_type', 'name')
    def on_change_first_name(self):
        if self.crm_type == 'contact':
            self.name = self.on_change_with_name()

    @fields.depends(methods=['on_change_first_name'])
    def on_change_last_name(self):
        self.on_change_first_name()

    @staticmethod
    def contact_full_name(first_name, last_name):
        return ' '.join(filter(None, [first_name, last_name])) or None

    @classmethod
    def get_crm_rec_names(cls, parties, name):
        "Return the rec_name of parties (the getter of the field)."
        # One query for the accounts of all the contacts, remembered by
        # readable_ids for the calls of get_rec_name below (bench/: reading
        # a page of 80 contacts did one query per contact, 100-140 -> 35-60
        # ms)
        readable_ids(cls, {
                p.account.id for p in parties
                if p.crm_type == 'contact' and p.account})
        return {p.id: p.get_rec_name(name) for p in parties}

    def get_rec_name(self, name):
        rec_name = super().get_rec_name(name)
        if (self.crm_type == 'contact' and self.account
                and self.account.id in readable_ids(
                    self.__class__, [self.account.id])):
            # A contact names its account only to who may see the account
            rec_name = f'{rec_name} ({self.account.name})'
        return rec_name

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        return super().search(cls._crm_owner_clause(domain),
            offset=offset, limit=limit, order=order, count=count, query=query)

    @classmethod
    def _crm_owner_clause(cls, domain):
        """Return domain with the owner its read rule implies for the CRM
        type searched, when that is one user.

        The rule keeps the parties without CRM type: "crm_type IS NULL OR
        assigned_user IN (...) OR ...", which no index scan may take as
        condition.  For a search of one CRM type, a sales rep's rule comes
        down to "assigned_user = <rep>": ANDed to the search, PostgreSQL
        walks the rep's records in the order of the list instead of every
        record (bench/: a rep's contacts by rec_name 'ste%' at 1M contacts,
        450-600 -> 110-170 ms, name 'ste%' with the plain unaccent 330 ->
        30 ms).  The rule still applies: the same records match."""
        pool = Pool()
        Rule = pool.get('ir.rule')
        transaction = Transaction()
        if not (transaction.user and transaction.check_access):
            return domain
        for clause in _and_clauses(domain):
            if (is_leaf(clause) and len(clause) == 3
                    and clause[0] == 'crm_type' and clause[1] == '='
                    and clause[2]):
                crm_type = clause[2]
                break
        else:
            return domain
        owned = _given(
            Rule.domain_get(cls.__name__, mode='read'), 'crm_type', crm_type)
        if isinstance(owned, bool):
            return domain
        for clause in _and_clauses(owned):
            if (is_leaf(clause) and clause[0] == 'assigned_user'
                    and clause[1] == 'in' and len(clause[2]) == 1):
                # (equality: PostgreSQL does not walk an index in order
                # with "= ANY (...)" on its second column)
                return [domain, ('assigned_user', '=', clause[2][0])]
        return domain

    # Above it, a list of ids costs more than the subquery saves
    _crm_follower_ids_limit = 50_000

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        if domain and domain[0] == 'OR' and _positive(clause[1]):
            domain = ['OR'] + [
                cls._crm_follower_ids(c) for c in domain[1:]]
        return domain

    @classmethod
    def _crm_follower_ids(cls, clause):
        """Return clause on a One2Many whose records' access follows their
        party (contact mechanisms, identifiers) as ('id', 'in', ids) of the
        parties found, or clause itself when they are too many.

        The host's rec_name ORs the code, the name and subqueries on these
        records: an OR with subqueries is no index condition, so PostgreSQL
        walked every contact in the order of the list and tested each one
        (bench/: an e-mail typed in the search box at 1M contacts, 1.3-3.2 s
        -> 20 ms).  A list of ids is, and the OR becomes a BitmapOr of the
        trigram and primary key indexes.  The same parties match: the rules
        of those records are those of their party, which the search checks
        anyway, and the active test is that of the context as in the
        subquery."""
        pool = Pool()
        RuleGroup = pool.get('ir.rule.group')
        transaction = Transaction()
        if (not is_leaf(clause) or '.' not in clause[0]
                or transaction.context.get('_datetime')):
            return clause
        fname, target_name = clause[0].split('.', 1)
        field = cls._fields.get(fname)
        if field is None or field._type != 'one2many':
            return clause
        Target = field.get_target()
        origin = Target._fields.get(field.field)
        if (field.field not in Target.__access__
                or getattr(origin, 'model_name', None) != cls.__name__):
            return clause
        cursor = transaction.connection.cursor()
        rule_group = RuleGroup.__table__()
        cursor.execute(*rule_group.select(Literal(1),
                where=rule_group.model == Target.__name__, limit=1))
        if cursor.fetchone():
            # Rules of their own: the subquery applies them
            return clause
        domain = [(target_name, *clause[1:])]
        if field.filter:
            domain.append(field.filter)
        tables, expression = Target.search_domain(domain)
        column = origin.sql_column(tables, Target)
        cursor.execute(*convert_from(None, tables).select(
                column, where=expression, distinct=True,
                limit=cls._crm_follower_ids_limit + 1))
        ids = [i for i, in cursor]
        if len(ids) > cls._crm_follower_ids_limit:
            return clause
        return ('id', 'in', ids)

    @fields.depends('crm_type', 'name', 'id', methods=['_crm_duplicates'])
    def on_change_notify(self):
        notifications = super().on_change_notify()
        for duplicate in self._crm_duplicates():
            notifications.append(('warning', self._duplicate_message(
                        duplicate)))
        return notifications

    @fields.depends('crm_type', 'name', 'id')
    def _crm_duplicates(self):
        "Return the other accounts with the same name."
        if self.crm_type != 'account' or not self.name:
            return []
        with declared("a duplicate warning names nothing"), \
                without_check_access():
            return self.search([
                    ('crm_type', '=', 'account'),
                    ('name', 'ilike', escape_wildcard(self.name.strip())),
                    ('id', '!=', self.id if self.id and self.id >= 0 else -1),
                    ], limit=3, order=[('id', 'ASC')])

    def _contact_duplicates(self):
        "Return the other contacts sharing an e-mail with this one."
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        emails = {
            m.value_compact for m in self.contact_mechanisms
            if m.type == 'email' and m.value_compact}
        if self.crm_type != 'contact' or not emails:
            return []
        with declared("a duplicate warning names nothing"), \
                without_check_access():
            mechanisms = Mechanism.search([
                    ('type', '=', 'email'),
                    ['OR'] + [
                        ('value_compact', 'ilike', escape_wildcard(e))
                        for e in sorted(emails)],
                    ('party', '!=', self.id),
                    ('party.crm_type', '=', 'contact'),
                    ], limit=3, order=[('id', 'ASC')])
        return [m.party for m in mechanisms]

    @classmethod
    def _duplicate_message(cls, duplicate):
        "The warning naming duplicate when the user may see it."
        with declared("a duplicate warning names nothing"), \
                without_check_access():
            kind = duplicate.crm_type
        if cls.search([('id', '=', duplicate.id)]):
            return gettext(
                'crm_core.msg_duplicate_%s' % kind,
                duplicate=duplicate.rec_name)
        return gettext('crm_core.msg_duplicate_%s_hidden' % kind)

    @classmethod
    def check_duplicates(cls, parties):
        "Warn once when created accounts or contacts already exist."
        pool = Pool()
        Warning = pool.get('res.user.warning')
        for party in parties:
            duplicates = party._crm_duplicates() or party._contact_duplicates()
            if duplicates:
                # Keyed on the match so that a confirmation survives the
                # rollback of the refused creation
                key = Warning.format('crm_duplicate', duplicates[:1])
                if Warning.check(key):
                    raise DuplicateWarning(
                        key, cls._duplicate_message(duplicates[0]))

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        vlist = [v.copy() for v in vlist]
        config = None
        for values in vlist:
            if values.get('crm_type') == 'contact':
                values['name'] = cls.contact_full_name(
                    values.get('first_name'), values.get('last_name'))
            if (values.get('crm_type') == 'account'
                    and not values.get('account_number')):
                config = config or Configuration(1)
                sequence = config.get_multivalue(
                    'account_sequence', company=values.get('crm_company'))
                if sequence:
                    values['account_number'] = sequence.get()
        parties = super().create(vlist)
        if Transaction().check_access:
            cls.check_duplicates(cls.crm_records(parties))
        return parties

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        args = []
        for parties, values in zip(actions, actions):
            if {'first_name', 'last_name'} & values.keys():
                for party in parties:
                    if party.crm_type != 'contact':
                        continue
                    names = {
                        'first_name': party.first_name,
                        'last_name': party.last_name,
                        }
                    names.update({
                            k: values[k] for k in names if k in values})
                    args.extend(([party], {
                                **values,
                                'name': cls.contact_full_name(**names),
                                }))
                parties = [p for p in parties if p.crm_type != 'contact']
            if parties:
                args.extend((parties, values))
        if args:
            super().write(*args)

    @classmethod
    def notify_owners(cls, parties):
        """Tell the owner of each contact marked *Notify Owner* that
        another user changed it (changes made by users, not by the system)."""
        pool = Pool()
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        user_id = Transaction().user
        if not user_id:
            return
        editor = User(user_id).rec_name
        Notification.create([{
                    'user': party.assigned_user.id,
                    'label': gettext(
                        'crm_core.msg_contact_changed', contact=party.name),
                    'description': gettext(
                        'crm_core.msg_contact_changed_by', user=editor),
                    'model': cls.__name__,
                    'records': str([party.id]),
                    } for party in parties
                if party.crm_type == 'contact' and party.notify_owner
                and party.assigned_user
                and party.assigned_user.id != user_id])

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('account_number')
        default.setdefault('child_accounts')
        default.setdefault('contacts')
        return super().copy(parties, default=default)

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        cls.check_crm_values(parties, field_names)
        if not field_names or 'parent_account' in field_names:
            check_no_cycle(
                parties, 'parent_account', 'crm_core.msg_account_recursion')
        if not field_names or 'reports_to' in field_names:
            check_no_cycle(
                parties, 'reports_to', 'crm_core.msg_contact_recursion')

    @classmethod
    def check_modification(cls, mode, parties, values=None, external=False):
        super().check_modification(
            mode, parties, values=values, external=external)
        if (mode == 'write' and external and 'crm_type' in values
                and any(p.crm_type != values['crm_type'] for p in parties)):
            # Leaving the CRM would escape its sharing rules
            raise AccessError(gettext('crm_core.msg_crm_type_readonly'))
        if mode == 'write' and external:
            cls.notify_owners(parties)

    @classmethod
    def check_crm_values(cls, parties, field_names=None):
        "Refuse negative figures on accounts."
        check_not_negative(
            parties, ['annual_revenue', 'employees'], field_names)


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        from sql.conditionals import Coalesce
        t = cls.__table__()
        # A Char that is not required is searched as COALESCE(col, ''):
        # the e-mail look-ups and duplicate checks need that expression
        # indexed (bench/: 6 s -> 0.2 ms at 1M contacts)
        cls._sql_indexes.update({
                Index(t,
                    (Coalesce(t.value_compact, ''),
                        Index.Equality(cardinality='high'))),
                # The search of a party by name also matches its contact
                # mechanisms with ILIKE: trigram indexes (pg_trgm) serve it
                Index(t,
                    (Coalesce(t.value_compact, ''), Index.Similarity())),
                Index(t, (t.value, Index.Similarity())),
                })

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        _, operator, operand, *extra = clause
        prefilter = _email_prefilter(operand)
        if (prefilter and operator in {'like', 'ilike'}
                and domain and domain[0] == 'OR'):
            # The e-mail's local part first: each column is searched with
            # a pattern that its own pattern implies, so the same rows match
            domain = ['OR'] + [
                [(c[0], 'ilike', prefilter, *extra), c]
                if is_leaf(c) and c[1] == operator and c[2] == operand
                else c
                for c in domain[1:]]
        return domain

    @classmethod
    def validate_fields(cls, mechanisms, field_names):
        super().validate_fields(mechanisms, field_names)
        cls.check_crm_values(mechanisms, field_names)

    @classmethod
    def check_crm_values(cls, mechanisms, field_names=None):
        """Refuse a website that is not a URL and an e-mail that is not an
        address on CRM records.

        The host checks e-mails only when email-validator is installed, and
        then also asks the DNS; these checks are syntactic and offline."""
        if field_names and not (field_names & {'type', 'value'}):
            return
        checks = {
            'website': (valid_url, 'crm_core.msg_invalid_website'),
            'email': (valid_email, 'crm_core.msg_invalid_email'),
            }
        for mechanism in mechanisms:
            if (mechanism.type not in checks or not mechanism.value
                    or not mechanism.party.crm_type):
                continue
            valid, message = checks[mechanism.type]
            if not valid(mechanism.value):
                raise InvalidValueError(gettext(
                        message, value=mechanism.value,
                        party=mechanism.party.rec_name))


class Replace(metaclass=PoolMeta):
    "Merging a duplicate party moves its CRM links to the kept one"
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('party.party', 'account'),
            ('party.party', 'parent_account'),
            ('party.party', 'reports_to'),
            ]


class Erase(metaclass=PoolMeta):
    "Erasing a contact also erases the personal data the CRM holds"
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Party = pool.get('party.party')
        return super().to_erase(party_id) + [
            (Party, [('id', '=', party_id)], True,
                ['first_name', 'last_name', 'salutation', 'job_title',
                    'department', 'birthday', 'image', 'description'],
                [None] * 8),
            ]
