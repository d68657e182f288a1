"""Fields only the server writes.

Tryton's ``readonly`` is a promise of the client: a JSON-RPC ``create``
or ``write`` may still send any value.  A record type lists the fields
its server code alone sets (numbers, workflow states, computed times)::

    class Ticket(ServerFieldsMixin, ModelSQL, ModelView):
        _crm_server_fields = {'number', 'state', 'closed_date'}

and a client's ``write`` of the model giving one of them, or ``create``
giving one another value than its default (sao sends the defaults), is
refused with a message, before anything is written.  Buttons, wizards
and the server's own code write them as before.
"""
from trytond.i18n import gettext
from trytond.transaction import Transaction

from .exceptions import ServerFieldError
from .request_guard import current_request


class ServerFieldsMixin:
    "A record type whose server fields a client may not write."
    __slots__ = ()
    _crm_server_fields = set()

    @classmethod
    def create(cls, vlist):
        if cls._crm_client_call('create'):
            names = set().union(*vlist) & set(cls._crm_server_fields)
            defaults = cls.default_get(list(names), with_rec_name=False)
            for values in vlist:
                cls._crm_refuse([n for n in names if n in values
                        and values[n] not in {None, defaults.get(n)}])
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        if cls._crm_client_call('write'):
            actions = iter(args)
            for _, values in zip(actions, actions):
                cls._crm_refuse(
                    [n for n in values if n in cls._crm_server_fields])
        super().write(*args)

    @classmethod
    def _crm_client_call(cls, method):
        """Tell if the call is a client's method of this model (not the
        server's code writing without access checks)."""
        request = current_request()
        return (Transaction().check_access
            and request is not None and request.model == cls.__name__
            and request.method == method)

    @classmethod
    def _crm_refuse(cls, names):
        if names:
            raise ServerFieldError(gettext(
                    'crm_core.msg_server_field',
                    field=cls._fields[sorted(names)[0]].string,
                    **cls.__names__()))
