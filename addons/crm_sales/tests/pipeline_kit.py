# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""The pipeline's test data: a company with two reps and their manager,
their accounts, a hand-made set of potentials and a lead, and the rows of
the pipeline reports read as one of them."""
import datetime
from decimal import Decimal

from crm_core.tests.tools import CrmUser, create_crm_users, report_rows
from trytond.pool import Pool
from trytond.transaction import Transaction

# (the host's opportunity reports are for its sales group)
SALES = ('crm_sales.group_sales', 'sale.group_sale')
USERS = [
    CrmUser('rep1', 'crm_core.role_sales_rep', 'crm_core.group_crm_staff',
        groups=SALES),
    CrmUser('rep2', 'crm_core.role_sales_rep', 'crm_core.group_crm_staff',
        groups=SALES),
    CrmUser('manager', 'crm_core.role_sales_manager',
        'crm_core.group_crm_manager', groups=SALES),
    ]
CENT = Decimal('0.01')


def day(month, day_):
    return datetime.date(2026, month, day_)


def plain(text):
    "Return text with its no-break spaces (of ir.lang.strftime) as spaces."
    return text.replace('\xa0', ' ')


def money(value):
    return Decimal(str(value)).quantize(CENT)


class PipelineData:
    "The people, potentials and report rows of the pipeline tests."

    def stage(self, name):
        pool = Pool()
        Stage = pool.get('crm.sales_stage')
        ModelData = pool.get('ir.model.data')
        return Stage(ModelData.get_id('crm_sales', f'sales_stage_{name}'))

    def lost_reason(self, name):
        pool = Pool()
        Reason = pool.get('crm.lost_reason')
        ModelData = pool.get('ir.model.data')
        return Reason(ModelData.get_id('crm_sales', f'lost_reason_{name}'))

    def setup_people(self):
        pool = Pool()
        Party = pool.get('party.party')
        self.company, self.users = create_crm_users(users=USERS)
        self.accounts = {}
        for login in ['rep1', 'rep2']:
            self.accounts[login], = Party.create([{
                        'name': f"Account of {login}", 'crm_type': 'account',
                        'crm_company': self.company.id,
                        'assigned_user': self.users[login].id,
                        }])

    def potential(self, owner, stage='qualification', amount=1000,
            **values):
        "Create as root an open potential of owner on its account."
        Opportunity = Pool().get('sale.opportunity')
        with Transaction().set_context(company=self.company.id):
            potential, = Opportunity.create([{
                        'description': "Deal",
                        'party': self.accounts[owner].id,
                        'assigned_user': self.users[owner].id,
                        'state': 'opportunity',
                        'crm_lead': True,
                        'sales_stage': self.stage(stage).id,
                        'amount': Decimal(amount),
                        **values,
                        }])
        return potential

    def setup_pipeline(self):
        """The hand-made data set of the reports:

        ====  =====  ============  ======  ===========  =========  =====
        name  owner  stage         amount  close / end  source     start
        ====  =====  ============  ======  ===========  =========  =====
        p1    rep1   qualification  1000   close 03-10  cold_call  01-05
        p2    rep1   negotiation     500   close 03-20  web_site   01-05
        p3    rep2   qualification  2000   close 04-05  cold_call  01-05
        p4    rep2   won            3000   end 01-31    web_site   01-01
        p5    rep1   lost (price)    400   end 01-11               01-01
        l1    rep1   (a lead)                                      01-05
        ====  =====  ============  ======  ===========  =========  =====
        """
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        self.setup_people()
        start = day(1, 5)
        p1 = self.potential('rep1', 'qualification', 1000,
            expected_close_date=day(3, 10), lead_source='cold_call',
            start_date=start)
        p2 = self.potential('rep1', 'negotiation', 500,
            expected_close_date=day(3, 20), lead_source='web_site',
            start_date=start)
        p3 = self.potential('rep2', 'qualification', 2000,
            expected_close_date=day(4, 5), lead_source='cold_call',
            start_date=start)
        p4 = self.potential('rep2', 'negotiation', 3000,
            lead_source='web_site', start_date=day(1, 1))
        p5 = self.potential('rep1', 'negotiation', 400, start_date=day(1, 1),
            lost_reason_type=self.lost_reason('price').id)
        Opportunity.write([p4], {'sales_stage': self.stage('closed_won').id})
        Opportunity.write([p5], {
                'sales_stage': self.stage('closed_lost').id})
        Opportunity.write([p4], {'end_date': day(1, 31)})
        Opportunity.write([p5], {'end_date': day(1, 11)})
        with Transaction().set_context(company=self.company.id):
            Opportunity.create([{
                        'last_name': "Lead", 'lead_company': "Prospect",
                        'crm_lead': True, 'start_date': start,
                        'assigned_user': self.users['rep1'].id,
                        }])
        return p1, p2, p3, p4, p5

    def report(self, name, user=None, **context):
        "Return the rows of the report as user (root if None)."
        return report_rows(f'crm.report.{name}', self.company,
            self.users[user] if user else None, **context)

    def by(self, rows, key, *names):
        "Return {key of row: (figures)} of the rows."
        def value(row, name):
            figure = getattr(row, name)
            if isinstance(figure, Decimal):
                return figure.quantize(CENT)
            if isinstance(figure, float):
                return round(figure, 4)
            return figure
        return {getattr(row, key): tuple(value(row, n) for n in names)
            for row in rows}

