# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Test tickets: an owned record type with a module action (escalate)."""
from trytond.model import ModelSQL, ModelView, fields
from crm_core.ownership import OwnedMixin


class Ticket(OwnedMixin, ModelSQL, ModelView):
    "A ticket of the tests, owned and shared as any CRM record type."
    __name__ = 'crm.test.ticket'
    name = fields.Char("Subject", required=True)
    escalated = fields.Boolean("Escalated", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'escalate': {},
                })

    @classmethod
    @ModelView.button
    def escalate(cls, tickets):
        "Escalate the tickets: a profile action of this module."
        cls.crm_check_permission('escalate')
        cls.write(tickets, {'escalated': True})
