# This file is part of the CRM for Tryton.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""Change Status on a selection of tickets, over the dispatcher."""
import unittest

from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .support_fixtures import SupportFixtures, run_wizard


def run_mass_status(user, company, tickets, status, solution=None):
    return run_wizard(user, company, 'crm.ticket.mass_status', tickets, [
            ('start', {'status': status.id, 'solution': solution}),
            ('change', None)])


class CrmTicketMassStatusTestCase(SupportFixtures, unittest.TestCase):
    "Test Change Status"

    def _status(self, name):
        status, = Pool().get('crm.ticket.status').search(
            [('name', '=', name)])
        return status

    @with_transaction()
    def test_close_with_solution(self):
        "Closing a selection gives the solution to those without one"
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        solved = self._ticket(solution="Known fix")
        other = self._ticket()
        run_mass_status(users['support.rep'], self.company, [solved, other],
            self._status("Closed"), solution="Firmware updated")
        solved, other = Ticket.browse([solved.id, other.id])
        self.assertEqual(
            [(t.state, t.solution) for t in [solved, other]],
            [('closed', "Known fix"), ('closed', "Firmware updated")])

    @with_transaction()
    def test_refused_transition(self):
        "A closed ticket does not go to In Progress; nothing changes"
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        closed = self._ticket(solution="Done")
        Ticket.close([closed])
        other = self._ticket()
        with self.assertRaises(ValidationError) as cm:
            run_mass_status(users['support.rep'], self.company,
                [other, closed], self._status("In Progress"))
        self.assertIn('from state "Closed"', cm.exception.message)
        self.assertEqual(Ticket(closed.id).state, 'closed')

    @with_transaction()
    def test_hidden_ticket(self):
        "Tickets the user may not edit keep their status"
        Ticket = Pool().get('crm.ticket')
        _, users = self._world()
        hidden = self._ticket(owner='support.rep2')
        with self.assertRaises(AccessError):
            run_mass_status(users['support.rep'], self.company, [hidden],
                self._status("In Progress"))
        self.assertEqual(Ticket(hidden.id).state, 'open')
