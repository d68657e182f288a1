# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Forecasts that add up: reps, a team, a manager's roll-up and the total.

A hand-worked example (the current quarter Q, amounts in the company
currency).  Roles: *KA Manager* above *KA Rep*.  Mia has the manager role;
Ann, Bob and Cy the rep role; Zoe no role.  Ann and Bob are the members of
the team *Key Accounts*.

Quotas of Q: Ann 100,000.00, Bob 150,000.00, Key Accounts 280,000.00,
Cy 40,000.00, Zoe 20,000.00 (Mia none).

====  ====  ============  =========  =========  ============  ========
deal  user  team          state      amount     probability   date
====  ====  ============  =========  =========  ============  ========
d1          Key Accounts  open       60,000.00  0.25          in Q
d2    Ann                 won        45,000.00                in Q
d3    Bob                 open       80,000.00  0.50          in Q
d4    Ann   Key Accounts  won        12,500.50                in Q
d5    Cy                  won         7,000.00                in Q
d6    Zoe                 won         3,000.00                in Q
====  ====  ============  =========  =========  ============  ========

Rows (quota / closed won / weighted / open; best case = won + open, gap =
quota - won):

* Ann: 100,000.00 / d2 + d4 = 57,500.50 / 0 / 0; best 57,500.50, gap
  42,499.50.
* Bob: 150,000.00 / 0 / 40,000.00 / 80,000.00; best 80,000.00, gap
  150,000.00.
* Cy: 40,000.00 / 7,000.00 / 0 / 0; best 7,000.00, gap 33,000.00.
* Zoe: 20,000.00 / 3,000.00 / 0 / 0; best 3,000.00, gap 17,000.00.
* Key Accounts: the team's deal and its members' deals, d4 once: d1, d2,
  d3, d4.  Quota 280,000.00 (its own); won 57,500.50; weighted 15,000.00
  + 40,000.00 = 55,000.00; open 140,000.00; best 197,500.50; gap
  222,499.50.
* Mia's roll-up: Mia, Ann, Bob, Cy and the team Key Accounts: d1 to d5.
  Quota: Key Accounts 280,000.00 (it covers Ann and Bob) + Cy 40,000.00 =
  320,000.00; won 64,500.50; weighted 55,000.00; open 140,000.00; best
  204,500.50; gap 255,499.50.
* Total: every deal once, d1 to d6; quota 280,000.00 + 40,000.00 +
  20,000.00 = 340,000.00; won 67,500.50; weighted 55,000.00; open
  140,000.00; best 207,500.50; gap 272,499.50.

(The old forecast gave Key Accounts 12,500.50 won only, and its list summed
to a quota of 590,000.00.)

As Ann (a rep, member of Key Accounts): she reads her deals and the
team's (d1, d2, d4) and the quotas of Ann and of the team:

* Ann as above; Key Accounts: 280,000.00 / 57,500.50 / 15,000.00 /
  60,000.00; no row of Bob, Cy, Zoe nor Mia.
* Total: 280,000.00 (the team's quota covers Ann's) / 57,500.50 /
  15,000.00 / 60,000.00; best 117,500.50, gap 222,499.50.
"""
import unittest
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import (
    TEST_COMPANY, CrmPeople, CrmRole, CrmTeam, CrmUser, acting_as,
    setup_crm_people)

from .forecast_kit import (
    CENT, FIGURES, create_potentials, create_quotas, current_quarter,
    read_forecast)

TEAM = "Key Accounts"
PEOPLE = CrmPeople(company=TEST_COMPANY,
    roles=(CrmRole("KA Manager"), CrmRole("KA Rep", "KA Manager")),
    teams=(CrmTeam(TEAM),),
    users=(
        CrmUser('ka_mia', "KA Manager", 'crm_core.group_crm_manager'),
        CrmUser('ka_ann', "KA Rep", 'crm_core.group_crm_staff',
            teams=(TEAM,)),
        CrmUser('ka_bob', "KA Rep", 'crm_core.group_crm_staff',
            teams=(TEAM,)),
        CrmUser('ka_cy', "KA Rep", 'crm_core.group_crm_staff'),
        CrmUser('ka_zoe', None, 'crm_core.group_crm_staff'),
        ))


def row(quota, won, weighted, open_, best, gap):
    "The expected figures of a row, every one written out by hand."
    return dict(zip(FIGURES, (Decimal(v).quantize(CENT)
                for v in [quota, won, weighted, open_, best, gap])))


class ForecastRollupTestCase(unittest.TestCase):
    "Test that forecasts add up"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def setup_world(self):
        "Create the people, quotas and deals of the docstring."
        pool = Pool()
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        world = setup_crm_people(PEOPLE)
        company = Company(world.company)
        users = {k[3:]: v for k, v in world.users.items()}
        team = world.teams[TEAM]
        start, _ = current_quarter()
        year, quarter = start.year, (start.month - 1) // 3 + 1
        account, = Party.create([{
                    'name': "Key Account", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['ann'],
                    }])
        create_quotas(company, [{
                    'year': year,
                    'quarter': str(quarter),
                    'amount': Decimal(amount),
                    'assigned_user': users.get(owner),
                    'assigned_team': team if owner == 'team' else None,
                    } for owner, amount in [
                    ('ann', '100000'), ('bob', '150000'), ('team', '280000'),
                    ('cy', '40000'), ('zoe', '20000')]])
        deals = [
            (None, team, 'opportunity', '60000', 0.25),
            ('ann', None, 'won', '45000', 0),
            ('bob', None, 'opportunity', '80000', 0.5),
            ('ann', team, 'won', '12500.50', 0),
            ('cy', None, 'won', '7000', 0),
            ('zoe', None, 'won', '3000', 0),
            ]
        create_potentials(account, [{
                    'state': state,
                    'amount': Decimal(amount),
                    'conversion_probability': probability,
                    'start_date': start,
                    'end_date': start if state == 'won' else None,
                    'expected_close_date': (
                        start if state != 'won' else None),
                    'assigned_user': users.get(owner),
                    'assigned_team': team_,
                    } for owner, team_, state, amount, probability in deals])
        return company, users, team

    @with_transaction()
    def test_rows_and_total(self):
        "Reps, team, manager roll-up and total, worked out by hand"
        company, users, team = self.setup_world()
        self.assertEqual(read_forecast(company), {
                ('rep', users['ann']): row(
                    '100000', '57500.50', 0, 0, '57500.50', '42499.50'),
                ('rep', users['bob']): row(
                    '150000', 0, '40000', '80000', '80000', '150000'),
                ('rep', users['cy']): row(
                    '40000', '7000', 0, 0, '7000', '33000'),
                ('rep', users['zoe']): row(
                    '20000', '3000', 0, 0, '3000', '17000'),
                ('team', team): row(
                    '280000', '57500.50', '55000', '140000', '197500.50',
                    '222499.50'),
                ('manager', users['mia']): row(
                    '320000', '64500.50', '55000', '140000', '204500.50',
                    '255499.50'),
                ('total', None): row(
                    '340000', '67500.50', '55000', '140000', '207500.50',
                    '272499.50'),
                })

    @with_transaction()
    def test_rep_reads_own(self):
        "A member's rows and total count only what it reads, each once"
        company, users, team = self.setup_world()
        User = Pool().get('res.user')
        with acting_as(User(users['ann']), company):
            forecast = read_forecast(company)
        self.assertEqual(forecast, {
                ('rep', users['ann']): row(
                    '100000', '57500.50', 0, 0, '57500.50', '42499.50'),
                ('team', team): row(
                    '280000', '57500.50', '15000', '60000', '117500.50',
                    '222499.50'),
                ('total', None): row(
                    '280000', '57500.50', '15000', '60000', '117500.50',
                    '222499.50'),
                })

    @with_transaction()
    def test_team_filter_total(self):
        "With the context's team, the total is the team's"
        company, users, team = self.setup_world()
        forecast = read_forecast(company, assigned_team=team)
        self.assertEqual(set(forecast), {
                ('rep', users['ann']), ('rep', users['bob']),
                ('team', team), ('total', None)})
        self.assertEqual(forecast[('total', None)], forecast[('team', team)])
