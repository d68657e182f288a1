"""The revisions of opportunities and of their lines follow the sharing
rules: the host lists the revisions of any id its caller names."""
from trytond.pool import PoolMeta

from crm_core.guard import check_readable, on_behalf_of_user


class RevisionsOfReadableMixin:
    "List the revisions of records the user may read only."
    __slots__ = ()

    @classmethod
    def history_revisions(cls, ids):
        if on_behalf_of_user():
            check_readable(cls, ids)
        return super().history_revisions(ids)


class Opportunity(RevisionsOfReadableMixin, metaclass=PoolMeta):
    __name__ = 'sale.opportunity'


class OpportunityLine(RevisionsOfReadableMixin, metaclass=PoolMeta):
    __name__ = 'sale.opportunity.line'
