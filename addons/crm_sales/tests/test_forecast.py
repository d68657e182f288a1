# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Quotas and forecasts: figures on a hand-made data set, sharing, checks.

The data set (the current quarter Q, amounts in the company currency):

=========  ======  ====================  =======  =====  =================
owner      team    state                 amount   prob.  date
=========  ======  ====================  =======  =====  =================
rep1                won                   1000            end in Q
rep1                won                   500             end before Q
rep1                opportunity           2000     0.5    expected in Q
rep1                converted             400      0.25   expected in Q
rep1                opportunity           3000     0.8    expected after Q
rep1                lost                  700             end in Q
rep1                lead                  900      0.5    expected in Q
rep2                won                   250             end in Q
rep2                opportunity           1000     0.1    expected in Q
rep2       T        opportunity           100      1.0    expected in Q
           T        opportunity           600      0.5    expected in Q
other               won                   4000            end in Q
=========  ======  ====================  =======  =====  =================

Quotas of Q: rep1 5000, rep2 2000, team T 10000, other 3000; rep1 has
also 9999 in the next quarter.  rep1 is a member of T; rep1 and rep2 are
below the manager's role, other has no role.

Rows of Q (quota, won, weighted, open):

* team T: its potentials (rep2's 100, the 600) and rep1's (a member):
  10000, 1000, 400 + 1100 = 1500, 700 + 2400 = 3100;
* the manager's roll-up: rep1, rep2 and T (rep1's team); quota T 10000
  (covers rep1) + rep2 2000 = 12000; 1250, 1600, 4100;
* total: quota T 10000 + rep2 2000 + other 3000 = 15000 (rep1 covered by
  T), won 1000 + 250 + 4000 = 5250, 1600, 4100.
"""
import datetime
import unittest
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from crm_core.exceptions import InvalidValueError
from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import (
    TEST_COMPANY, CrmPeople, CrmTeam, CrmUser, acting_as, setup_crm_people)

from .forecast_kit import (
    FIGURES, create_potentials, create_quotas, current_quarter,
    read_forecast)

TEAM = "Forecast Team"
PEOPLE = CrmPeople(company=TEST_COMPANY, teams=(CrmTeam(TEAM),), users=(
        CrmUser('rep1', 'crm_core.role_sales_rep',
            'crm_core.group_crm_staff', teams=(TEAM,)),
        CrmUser('rep2', 'crm_core.role_sales_rep',
            'crm_core.group_crm_staff'),
        CrmUser('manager', 'crm_core.role_sales_manager',
            'crm_core.group_crm_manager'),
        CrmUser('other', None, 'crm_core.group_crm_staff'),
        CrmUser('crm_admin', None, 'crm_core.group_crm_admin'),
        ))


def figures(quota, won, weighted, open_):
    "The expected row: the best case and the gap computed by hand."
    return dict(zip(FIGURES, map(Decimal, [
                    quota, won, weighted, open_, won + open_,
                    quota - won])))


class ForecastTestCase(unittest.TestCase):
    "Test quotas and forecasts"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def setup_world(self):
        "Create the people, the data set of the docstring; return them."
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')
        Party = pool.get('party.party')
        world = setup_crm_people(PEOPLE)
        company = Company(world.company)
        users = {k: User(v) for k, v in world.users.items()}
        team = world.teams[TEAM]
        start, end = current_quarter()
        before = start - datetime.timedelta(days=10)
        account, = Party.create([{
                    'name': "Forecast Account", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep1'].id,
                    }])
        rows = [
            ('rep1', None, 'won', 1000, 0, start, None),
            ('rep1', None, 'won', 500, 0, before, None),
            ('rep1', None, 'opportunity', 2000, 0.5, None, start),
            ('rep1', None, 'converted', 400, 0.25, None,
                start + datetime.timedelta(days=30)),
            ('rep1', None, 'opportunity', 3000, 0.8, None, end),
            ('rep1', None, 'lost', 700, 0, start, None),
            ('rep1', None, 'lead', 900, 0.5, None, start),
            ('rep2', None, 'won', 250, 0, end - datetime.timedelta(days=1),
                None),
            ('rep2', None, 'opportunity', 1000, 0.1, None, start),
            ('rep2', team, 'opportunity', 100, 1.0, None, start),
            (None, team, 'opportunity', 600, 0.5, None, start),
            ('other', None, 'won', 4000, 0, start, None),
            ]
        create_potentials(account, [{
                    'state': state,
                    'amount': Decimal(amount),
                    'conversion_probability': probability,
                    'start_date': before,
                    'end_date': end_date,
                    'expected_close_date': close,
                    'assigned_user': users[owner].id if owner else None,
                    'assigned_team': team_,
                    } for owner, team_, state, amount, probability,
                end_date, close in rows])
        year, quarter = start.year, str((start.month - 1) // 3 + 1)
        next_year, next_quarter = end.year, str((end.month - 1) // 3 + 1)
        quota_owners = [
            ({'assigned_user': users['rep1'].id}, 5000, year, quarter),
            ({'assigned_user': users['rep2'].id}, 2000, year, quarter),
            ({'assigned_user': None, 'assigned_team': team}, 10000, year,
                quarter),
            ({'assigned_user': users['other'].id}, 3000, year, quarter),
            ({'assigned_user': users['rep1'].id}, 9999, next_year,
                next_quarter),
            ]
        create_quotas(company, [{
                    'year': year_,
                    'quarter': quarter_,
                    'amount': Decimal(amount),
                    **owner,
                    } for owner, amount, year_, quarter_ in quota_owners])
        return company, users, team

    @with_transaction()
    def test_figures(self):
        "The forecast of every owner, computed by hand"
        company, users, team = self.setup_world()
        self.assertEqual(read_forecast(company), {
                ('rep', users['rep1'].id): figures(5000, 1000, 1100, 2400),
                ('rep', users['rep2'].id): figures(2000, 250, 200, 1100),
                ('team', team): figures(10000, 1000, 1500, 3100),
                ('rep', users['other'].id): figures(3000, 4000, 0, 0),
                ('manager', users['manager'].id): figures(
                    12000, 1250, 1600, 4100),
                ('total', None): figures(15000, 5250, 1600, 4100),
                })

    @with_transaction()
    def test_other_quarter(self):
        "The quarter of the context chooses the potentials and quotas"
        company, users, team = self.setup_world()
        _, end = current_quarter()
        forecast = read_forecast(company,
            year=end.year, quarter=str((end.month - 1) // 3 + 1))
        # T has no quota then: rep1's counts for T, the roll-up, the total
        rep1 = figures(9999, 0, 2400, 3000)
        self.assertEqual(forecast, {
                ('rep', users['rep1'].id): rep1,
                ('team', team): rep1,
                ('manager', users['manager'].id): rep1,
                ('total', None): rep1,
                })

    @with_transaction()
    def test_owner_filter(self):
        "The context's rep or team narrows the rows"
        company, users, team = self.setup_world()
        forecast = read_forecast(company, assigned_user=users['rep2'].id)
        self.assertEqual(forecast, {
                ('rep', users['rep2'].id): figures(2000, 250, 200, 1100),
                ('total', None): figures(2000, 250, 200, 1100),
                })
        forecast = read_forecast(company, assigned_team=team)
        self.assertEqual(forecast, {
                ('team', team): figures(10000, 1000, 1500, 3100),
                ('rep', users['rep1'].id): figures(5000, 1000, 1100, 2400),
                ('total', None): figures(10000, 1000, 1500, 3100),
                })

    @with_transaction()
    def test_rep_sees_own(self):
        "A rep's forecast counts only the potentials and quotas it reads"
        company, users, team = self.setup_world()
        with acting_as(users['rep1'], company):
            forecast = read_forecast(company)
        self.assertEqual(forecast, {
                ('rep', users['rep1'].id): figures(5000, 1000, 1100, 2400),
                # the team's potentials and quota, rep1 being a member
                ('team', team): figures(10000, 1000, 1500, 3100),
                # rep2's potential of the team only, not its quota
                ('rep', users['rep2'].id): figures(0, 0, 100, 100),
                # T's quota covers rep1's
                ('total', None): figures(10000, 1000, 1500, 3100),
                })
        with acting_as(users['rep2'], company):
            forecast = read_forecast(company)
        self.assertEqual(forecast, {
                ('rep', users['rep2'].id): figures(2000, 250, 200, 1100),
                ('team', team): figures(0, 0, 100, 100),
                ('total', None): figures(2000, 250, 200, 1100),
                })

    @with_transaction()
    def test_manager_sees_subordinates(self):
        "A manager's forecast covers the reps below it, not the others"
        company, users, team = self.setup_world()
        with acting_as(users['manager'], company):
            forecast = read_forecast(company)
        self.assertEqual(forecast, {
                ('rep', users['rep1'].id): figures(5000, 1000, 1100, 2400),
                ('rep', users['rep2'].id): figures(2000, 250, 200, 1100),
                ('team', team): figures(10000, 1000, 1500, 3100),
                ('manager', users['manager'].id): figures(
                    12000, 1250, 1600, 4100),
                ('total', None): figures(12000, 1250, 1600, 4100),
                })

    @with_transaction()
    def test_rep_reads_own_quotas(self):
        "A rep reads its quotas, a manager its subordinates'"
        Quota = Pool().get('crm.quota')
        company, users, team = self.setup_world()
        with acting_as(users['rep2'], company):
            quotas = Quota.search([])
            self.assertEqual(
                {q.assigned_user for q in quotas}, {users['rep2']})
        with acting_as(users['manager'], company):
            quotas = Quota.search([])
            self.assertEqual(
                {q.assigned_user.id for q in quotas if q.assigned_user},
                {users['rep1'].id, users['rep2'].id})

    def quota_values(self, company, user, year, quarter):
        return {
            'company': company.id,
            'currency': company.currency.id,
            'assigned_user': user.id,
            'year': year,
            'quarter': quarter,
            'amount': Decimal(100),
            }

    @with_transaction()
    def test_rep_may_not_set_quotas(self):
        "A rep's profile does not create quotas"
        Quota = Pool().get('crm.quota')
        company, users, team = self.setup_world()
        start, _ = current_quarter()
        count = Quota.search_count([])
        with acting_as(users['rep1'], company), \
                self.assertRaises(AccessError):
            Quota.create([self.quota_values(
                        company, users['rep1'], start.year + 2, '1')])
        self.assertEqual(Quota.search_count([]), count)

    @with_transaction()
    def test_past_quarter_refused(self):
        "A quota of a past quarter changes only by a CRM Administrator"
        Quota = Pool().get('crm.quota')
        company, users, team = self.setup_world()
        start, _ = current_quarter()
        past = start - datetime.timedelta(days=1)
        past_quarter = str((past.month - 1) // 3 + 1)
        quota, = Quota.create([self.quota_values(
                    company, users['rep1'], past.year, past_quarter)])
        current, = Quota.search([
                ('assigned_user', '=', users['rep1'].id),
                ('quarter_start', '=', start),
                ])
        count = Quota.search_count([])
        with acting_as(users['manager'], company):
            for action in [
                    lambda: Quota.create([self.quota_values(
                                company, users['rep2'], past.year,
                                past_quarter)]),
                    lambda: Quota.write([quota], {'amount': Decimal(1)}),
                    lambda: Quota.write([current], {
                            'year': past.year, 'quarter': past_quarter}),
                    lambda: Quota.delete([quota]),
                    ]:
                with self.assertRaises(AccessError) as cm:
                    action()
                self.assertIn("quarter that is over", cm.exception.message)
        self.assertEqual(Quota.search_count([]), count)
        self.assertEqual(quota.amount, Decimal(100))
        self.assertEqual(current.quarter_start, start)
        with acting_as(users['crm_admin'], company):
            Quota.write([quota], {'amount': Decimal(1)})
        self.assertEqual(quota.amount, Decimal(1))

    @with_transaction()
    def test_manager_sets_current_quota(self):
        "A manager sets the quota of a rep below it for a coming quarter"
        Quota = Pool().get('crm.quota')
        company, users, team = self.setup_world()
        start, _ = current_quarter()
        with acting_as(users['manager'], company):
            quota, = Quota.create([self.quota_values(
                        company, users['rep2'], start.year + 1, '2')])
        self.assertEqual(
            quota.quarter_start, datetime.date(start.year + 1, 4, 1))

    @with_transaction()
    def test_duplicate_refused(self):
        "One quota per owner and quarter"
        Quota = Pool().get('crm.quota')
        company, users, team = self.setup_world()
        start, _ = current_quarter()
        year, quarter = start.year, str((start.month - 1) // 3 + 1)
        count = Quota.search_count([])
        with acting_as(users['manager'], company):
            for owner in [
                    {'assigned_user': users['rep1'].id},
                    {'assigned_user': None, 'assigned_team': team},
                    ]:
                with self.assertRaises(InvalidValueError) as cm:
                    Quota.create([{
                                **self.quota_values(
                                    company, users['rep1'], year, quarter),
                                **owner}])
                self.assertIn("already a quota", cm.exception.message)
        self.assertEqual(Quota.search_count([]), count)
