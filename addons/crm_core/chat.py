"""Comments (``ir.chat``) on CRM records follow the sharing rules."""
from trytond.pool import Pool, PoolMeta

from .guard import check_readable, guarded


class Channel(metaclass=PoolMeta):
    __name__ = 'ir.chat.channel'

    @classmethod
    def check_access(cls, resource):
        """The host checks only the access to the model of the resource:
        reading, posting, following or subscribing an e-mail address to
        the comments of a record also requires that the user may read it."""
        pool = Pool()
        super().check_access(resource)
        model, id_ = str(resource).split(',', 1)
        Model = pool.get(model)
        if guarded(Model):
            check_readable(Model, [int(id_)])
