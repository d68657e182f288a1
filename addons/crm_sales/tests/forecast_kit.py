# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""What the forecast tests share: the current quarter, the potentials and
quotas of their data sets, and the forecast rows read by owner."""
import datetime
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

FIGURES = [
    'quota', 'closed_won', 'weighted_pipeline', 'open_amount',
    'best_case', 'gap']
CENT = Decimal('0.01')


def current_quarter():
    "Return the start of the current quarter and of the next one."
    Date = Pool().get('ir.date')
    today = Date.today()
    start = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = (start + datetime.timedelta(days=95)).replace(day=1)
    return start, end


def create_potentials(account, deals):
    """Create a potential of account's company for each dict of deals (the
    values that tell them apart: state, amount, dates, owner)."""
    Opportunity = Pool().get('sale.opportunity')
    company = account.crm_company
    return Opportunity.create([{
                'crm_lead': True,
                'last_name': "Doe",
                'lead_company': account.name,
                'company': company.id,
                'currency': company.currency.id,
                'party': account.id,
                **deal,
                } for deal in deals])


def create_quotas(company, quotas):
    """Create a quota of company for each dict of quotas (year, quarter,
    amount, owner)."""
    Quota = Pool().get('crm.quota')
    return Quota.create([{
                'company': company.id,
                'currency': company.currency.id,
                **quota,
                } for quota in quotas])


def read_forecast(company, **context):
    "Return {(level, owner id): {figure: amount}} of the forecast rows."
    Forecast = Pool().get('crm.forecast')
    with Transaction().set_context(company=company.id, **context):
        result = {}
        for forecast in Forecast.search([]):
            owner = forecast.assigned_team or forecast.assigned_user
            result[(forecast.level, owner.id if owner else None)] = {
                f: getattr(forecast, f).quantize(CENT) for f in FIGURES}
        return result
