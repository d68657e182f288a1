# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""What the pipeline board shows and does, as the session's user: the
filters (scope, close quarter), the columns with their cards and totals,
and the move of a card (``pipeline_board.py`` serves them as routes).

Every search, read and write runs as the user with its access checked,
through the path of a JSON-RPC call (:func:`_as_rpc`: the request guard,
the rules, the profiles), never as root.
"""
import datetime as dt
import re
from contextlib import contextmanager
from decimal import Decimal

from sql.aggregate import Count, Sum
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus
from trytond.transaction import Transaction, without_check_access

from crm_core.report import report_readable_condition
from crm_core.request_guard import call_as_rpc

#: The cards shown per column (the totals count every potential)
CARD_LIMIT = 200
OPEN_STATES = ['opportunity', 'converted']
CLOSED_STATES = ['won', 'lost']
SCOPES = ('mine', 'team', 'all')
QUARTER = re.compile(r'([0-9]{4})-Q([1-4])')
MOVE_KEYS = {'potential', 'stage', 'scope', 'quarter'}
#: The fields of a potential a card shows (read as the user)
CARD_FIELDS = [
    'number', 'description', 'party', 'amount', 'currency',
    'expected_close_date', 'assigned_user.rec_name',
    'assigned_team.rec_name', 'sales_stage', 'state']


class Refused(Exception):
    "A refused request: the HTTP status and the message."

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _user_context(user_id):
    "The context of the user's preferences (language, company ...)."
    User = Pool().get('res.user')
    with without_check_access():
        return User._get_preferences(User(user_id), context_only=True)


@contextmanager
def as_user(user_id):
    """Run the block as the user with its preferences and access checked,
    as a JSON-RPC call of the user runs."""
    transaction = Transaction()
    context = _user_context(user_id)
    with transaction.set_user(user_id), \
            transaction.set_context(context, _check_access=True):
        yield


def _as_rpc(Model, method, *args):
    "Call Model.method as a JSON-RPC call of the transaction's user."
    return call_as_rpc(Model, method, *args)


# ------------------------------------------------------------ the filters

def _scope(value):
    if value in (None, ''):
        return 'all'
    if value not in SCOPES:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_invalid_scope'))
    return value


def _quarter(value):
    "Return (first day, day after) of the quarter YYYY-Qn, None for all."
    if value in (None, '', 'all'):
        return None
    match = QUARTER.fullmatch(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(1)) <= 9998:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_invalid_quarter'))
    year, quarter = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * quarter - 2, 1)
    end = (dt.date(year + 1, 1, 1) if quarter == 4
        else dt.date(year, 3 * quarter + 1, 1))
    return start, end


def quarter_code(date):
    "Return the quarter of date as YYYY-Qn."
    return f'{date.year}-Q{(date.month - 1) // 3 + 1}'


def _next_quarter(date):
    month = (date.month - 1) // 3 * 3 + 4
    if month > 12:
        return dt.date(date.year + 1, 1, 1)
    return dt.date(date.year, month, 1)


def filter_domain(scope, quarter):
    """Return the domain of the potentials of the filters: scope (mine,
    team: the teams the user belongs to or leads, their potentials and
    their members' and leaders'; all) and quarter (of the expected close
    date).  Read rules apply on top of it."""
    pool = Pool()
    Team = pool.get('crm.team')
    user_id = Transaction().user
    domain = []
    if scope == 'mine':
        domain.append(('assigned_user', '=', user_id))
    elif scope == 'team':
        # (the user's own teams, ids only: the rules still decide what
        # of their potentials it reads)
        with without_check_access():
            teams = Team.search(['OR',
                    ('members', '=', user_id),
                    ('leader', '=', user_id),
                    ], order=[])
            members = {user_id}
            for team in teams:
                members.update(m.id for m in team.members)
                if team.leader:
                    members.add(team.leader.id)
        domain.append(['OR',
                ('assigned_team', 'in', [t.id for t in teams]),
                ('assigned_user', 'in', sorted(members)),
                ])
    bounds = _quarter(quarter)
    if bounds:
        domain += [
            ('expected_close_date', '>=', bounds[0]),
            ('expected_close_date', '<', bounds[1]),
            ]
    return domain


def column_domain(stage):
    """The domain of the potentials of the column of stage (a dict with
    id and closing)."""
    states = OPEN_STATES + CLOSED_STATES if stage['closing'] else OPEN_STATES
    return [('sales_stage', '=', stage['id']), ('state', 'in', states)]


def column_order(stage):
    "Open potentials closing soonest first, closed ones latest first."
    if stage['closing']:
        return [('expected_close_date', 'DESC NULLS LAST'), ('id', 'DESC')]
    return [('expected_close_date', 'ASC NULLS LAST'), ('id', 'ASC')]


# -------------------------------------------------------- what is shown

def _stages():
    "The columns: the active sales stages in their order, as the user."
    Stage = Pool().get('crm.sales_stage')
    return _as_rpc(Stage, 'search_read', [], 0, None, None,
        ['name', 'closing'])


class _Formats:
    "The user's formats of amounts and dates."

    def __init__(self):
        pool = Pool()
        self.lang = pool.get('ir.lang').get()
        # (the same amounts and dates come again and again on a board)
        self._currencies, self._amounts, self._dates = {}, {}, {}
        company_id = Transaction().context.get('company')
        self.currency = None
        if company_id:
            with without_check_access():
                company = pool.get('company.company')(company_id)
                self.currency = self.currency_of(company.currency.id)

    def currency_of(self, currency_id):
        if currency_id not in self._currencies:
            Currency = Pool().get('currency.currency')
            with without_check_access():
                self._currencies[currency_id] = Currency(currency_id)
        return self._currencies[currency_id]

    def amount(self, value, currency):
        key = (value, currency.id if currency else None)
        if key not in self._amounts:
            if currency is None:
                self._amounts[key] = self.lang.format_number(
                    value, grouping=True)
            else:
                self._amounts[key] = self.lang.currency(
                    value, currency, grouping=True)
        return self._amounts[key]

    def date(self, value):
        if value and value not in self._dates:
            self._dates[value] = self.lang.strftime(value)
        return self._dates.get(value)


def account_names(party_ids):
    """Return {party id: name} of the accounts of the cards: the name of
    those the user may read (searched with its rules), crm_core's
    placeholder for the others, as a read of ``party.rec_name`` with the
    potentials gives them.

    (Their name, not their CRM rec_name: the rec_name of the 1,450
    accounts of a full board loads every column of each, 300 ms of its
    600 at 100,000 potentials; their names read in 40, bench/README.md.)"""
    Party = Pool().get('party.party')
    party_ids = sorted(set(filter(None, party_ids)))
    readable = Party.search([('id', 'in', party_ids)], order=[])
    names = {r['id']: r['name'] or f"[{r['code']}]" for r in Party.read(
            [p.id for p in readable], ['name', 'code'])}
    placeholder = gettext('crm_core.msg_hidden_record')
    return {i: names.get(i, placeholder) for i in party_ids}


def _cards(rows, overdue, formats):
    "Return the cards of the potentials' rows (read as the user)."
    accounts = account_names(r['party'] for r in rows)
    cards = []
    for row in rows:
        currency = (formats.currency_of(row['currency'])
            if row['currency'] else None)
        owner = ((row.get('assigned_user.') or {}).get('rec_name')
            or (row.get('assigned_team.') or {}).get('rec_name') or '')
        cards.append({
                'id': row['id'],
                'name': row['description'] or row['number'] or '',
                'number': row['number'] or '',
                'account': accounts.get(row['party'], ''),
                'amount': (formats.amount(row['amount'], currency)
                    if row['amount'] is not None else ''),
                'close_date': formats.date(row['expected_close_date']),
                'owner': owner,
                'overdue': row['id'] in overdue,
                'stage': row['sales_stage'],
                'closed': row['state'] not in OPEN_STATES,
                })
    return cards


def overdue_ids(ids):
    """Return the ids among the potentials ids with an open activity past
    due that the user may read.

    (Searched as the user, with its rules, not through _as_rpc: the ids
    are those its own search gave, and the request guard's check of 1,600
    references was 140 of the 160 ms of the search, bench/README.md.)"""
    pool = Pool()
    Activity = pool.get('crm.activity')
    ModelAccess = pool.get('ir.model.access')
    if not ids or not ModelAccess.check(
            'crm.activity', 'read', raise_exception=False):
        return set()
    result = set()
    ids = sorted(ids)
    for start in range(0, len(ids), 1000):
        rows = Activity.search_read([
                ('resource', 'in', [
                        f'sale.opportunity,{i}'
                        for i in ids[start:start + 1000]]),
                ('due', '=', 'overdue'),
                ], order=[], fields_names=['resource'])
        result.update(int(r['resource'].split(',')[1]) for r in rows)
    return result


def totals(domain, stages, formats):
    """Return {stage id: totals} of the columns of stages for the filter
    domain: count, amount and weighted amount (amount x probability) per
    currency, counted in one grouped query with the user's read rules in
    its WHERE (crm_core.report), as the pipeline reports are."""
    pool = Pool()
    Opportunity = pool.get('sale.opportunity')
    ModelAccess = pool.get('ir.model.access')
    ModelAccess.check('sale.opportunity', 'read')
    result = {s['id']: {'count': 0, 'sums': []} for s in stages}
    if stages:
        table = Opportunity.__table__()
        columns = ['OR'] + [column_domain(s) for s in stages]
        tables, condition = Opportunity.search_domain(
            [domain, columns], active_test=False,
            tables={None: (table, None)})
        if len(tables) != 1:
            # (every clause is on the table's own columns)
            raise ValueError("the board's filters joined another table")
        condition &= report_readable_condition(table, 'sale.opportunity')
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.sales_stage, table.currency, Count(table.id),
                Sum(Coalesce(table.amount, 0)),
                Sum(table.amount * table.conversion_probability),
                where=condition,
                group_by=[table.sales_stage, table.currency],
                order_by=[table.sales_stage, table.currency]))
        for stage_id, currency_id, count, amount, weighted in cursor:
            column = result[stage_id]
            column['count'] += count
            currency = formats.currency_of(currency_id)
            quantum = Decimal(10) ** -currency.digits
            column['sums'].append({
                    'currency': currency.code,
                    'amount': Decimal(str(amount or 0)).quantize(quantum),
                    'weighted': Decimal(str(weighted or 0)).quantize(
                        quantum),
                    '_currency': currency,
                    })
    for column in result.values():
        sums = column.pop('sums')
        if not sums:
            column['amount'] = formats.amount(Decimal(0), formats.currency)
            column['weighted'] = column['amount']
        else:
            column['amount'] = ' + '.join(
                formats.amount(s['amount'], s['_currency']) for s in sums)
            column['weighted'] = ' + '.join(
                formats.amount(s['weighted'], s['_currency']) for s in sums)
        column['sums'] = [{
                'currency': s['currency'], 'amount': str(s['amount']),
                'weighted': str(s['weighted'])} for s in sums]
    return result


def board_data(scope, quarter):
    """Return the columns of the board for the filters, searched and read
    as the user of the transaction."""
    Opportunity = Pool().get('sale.opportunity')
    scope = _scope(scope)
    domain = filter_domain(scope, quarter)
    formats = _Formats()
    stages = _stages()
    ids_of, rows = {}, {}
    for stage in stages:
        ids = ids_of[stage['id']] = _as_rpc(Opportunity, 'search',
            [domain, column_domain(stage)], 0, CARD_LIMIT,
            column_order(stage))
        # (a read per column: at most CARD_LIMIT records, as sao reads)
        if ids:
            rows.update((r['id'], r) for r in _as_rpc(
                    Opportunity, 'read', ids, CARD_FIELDS))
    overdue = overdue_ids(list(rows))
    sums = totals(domain, stages, formats)
    cards_of = {c['id']: c for c in _cards(
            list(rows.values()), overdue, formats)}
    columns = []
    for stage in stages:
        cards = [cards_of[i] for i in ids_of[stage['id']]]
        columns.append({
                'id': stage['id'],
                'name': stage['name'],
                'closing': stage['closing'],
                'cards': cards,
                'more': max(sums[stage['id']]['count'] - len(cards), 0),
                **sums[stage['id']],
                })
    return {'scope': scope, 'quarter': quarter or '', 'stages': columns}


def _int_id(value):
    "Return value as a record id, or None."
    if (isinstance(value, int) and not isinstance(value, bool)
            and 0 < value < 2 ** 31):
        return value
    return None


def move(body):
    """Move the potential of body to its stage as the user of the
    transaction, through the write the form makes; return the card and
    the totals of the two columns."""
    Opportunity = Pool().get('sale.opportunity')
    invalid = Refused(HTTPStatus.BAD_REQUEST, gettext(
            'crm_sales.msg_pipeline_board_invalid_request'))
    if not isinstance(body, dict) or set(body) - MOVE_KEYS:
        raise invalid
    potential_id = _int_id(body.get('potential'))
    stage_id = body.get('stage')
    if potential_id is None:
        raise invalid
    scope = _scope(body.get('scope'))
    quarter = body.get('quarter')
    domain = filter_domain(scope, quarter)
    found = _as_rpc(Opportunity, 'search', [
            ('id', '=', potential_id),
            ('state', '!=', 'lead'),
            ], 0, 1, None)
    if not found:
        # A hidden potential is a missing one
        raise Refused(HTTPStatus.NOT_FOUND, gettext(
                'crm_sales.msg_pipeline_board_potential_not_found'))
    stages = {s['id']: s for s in _stages()}
    if _int_id(stage_id) not in stages:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_invalid_stage'))
    before, = _as_rpc(Opportunity, 'read', [potential_id],
        ['state', 'sales_stage', 'rec_name'])
    if before['state'] not in OPEN_STATES:
        raise Refused(HTTPStatus.BAD_REQUEST, gettext(
                'crm_sales.msg_pipeline_board_potential_closed',
                potential=before['rec_name']))
    _as_rpc(Opportunity, 'write', [potential_id], {'sales_stage': stage_id})
    row, = _as_rpc(Opportunity, 'read', [potential_id], CARD_FIELDS)
    formats = _Formats()
    card, = _cards([row], overdue_ids([potential_id]), formats)
    changed = [stages[i] for i in sorted(
            {before['sales_stage'], stage_id}) if i in stages]
    return {'card': card, 'totals': {
            str(k): v for k, v in totals(domain, changed, formats).items()}}
