"""E-mail addresses proposed to a user come from records it may read."""
from trytond.pool import PoolMeta
from trytond.transaction import check_access


class Email(metaclass=PoolMeta):
    __name__ = 'ir.email'

    @classmethod
    def _match(cls, name, email):
        """The host's ``complete`` runs without access checks, and the party
        module adds the e-mails of every contact mechanism matching the
        text: the addresses of accounts and contacts the user may not read
        would come back with their names."""
        with check_access():
            matches = list(super()._match(name, email))
        yield from matches
