# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The last activity of an account: when someone last met, called or wrote
to it (the *My Accounts* block of the sales rep's dashboard, for upsell).

The latest start, up to now, of the activities related to the account that
the user may read (its read rules in the SQL), so a hidden activity tells
nothing, not even its date."""
import datetime as dt

from sql import Literal
from sql.aggregate import Max

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .report import readable_condition


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    crm_last_activity = fields.Function(fields.DateTime(
            "Last Activity",
            help="The start of the latest activity related to the account "
            "(up to now) that you may read."),
        'get_crm_last_activity')

    @classmethod
    def get_crm_last_activity(cls, parties, name):
        Activity = Pool().get('crm.activity')
        activity = Activity.__table__()
        cursor = Transaction().connection.cursor()
        now = dt.datetime.now()
        result = dict.fromkeys((p.id for p in parties))
        # (the user's rules whether or not the read checks access: the
        # host runs getters without)
        readable = (readable_condition(activity, 'crm.activity')
            if Transaction().user else Literal(True))
        for sub_parties in grouped_slice(parties):
            resources = ['party.party,%s' % p.id for p in sub_parties]
            cursor.execute(*activity.select(
                    activity.resource, Max(activity.start),
                    where=activity.resource.in_(resources)
                    & (activity.start <= now) & readable,
                    group_by=[activity.resource]))
            for resource, start in cursor:
                if isinstance(start, str):  # (SQLite's MAX loses the type)
                    start = dt.datetime.fromisoformat(start)
                result[int(resource.split(',', 1)[1])] = start
        return result
