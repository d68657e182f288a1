# This file is part of the CRM for Tryton.  See README.md at the repository
# root for the licence and the layout of the modules.
"""Quotes and sales orders: the host's sales, owned by CRM users."""
import datetime
import unittest
import unittest.mock
from decimal import Decimal

from crm_core.tests.activation import activate_with_crm
from crm_core.tests.tools import CrmUser, create_crm_users, rpc_call
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

SALES_REP = ('crm_core.role_sales_rep', 'crm_core.group_crm_staff')


class CrmSalesQuotesTestCase(unittest.TestCase):
    "Quotes from potentials, their owner, stage, lists and menus"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_with_crm('crm_sales')

    def _people(self):
        "The company, two reps in CRM Sales and their manager"
        groups = ('crm_sales.group_sales',)
        return create_crm_users(users=(
                CrmUser('rep1', *SALES_REP, groups=groups),
                CrmUser('rep2', *SALES_REP, groups=groups),
                CrmUser('manager', 'crm_core.role_sales_manager',
                    'crm_core.group_crm_manager', groups=groups),
                ))

    def _potential(self, company, owner, **values):
        pool = Pool()
        Party = pool.get('party.party')
        Opportunity = pool.get('sale.opportunity')
        account, = Party.create([{
                    'name': "Initech", 'crm_type': 'account',
                    'crm_company': company.id, 'assigned_user': owner.id,
                    'addresses': [('create', [{}])]}])
        potential, = Opportunity.create([{
                    'crm_lead': True,
                    'company': company.id, 'currency': company.currency.id,
                    'party': account.id, 'state': 'opportunity',
                    'description': "Printers for Initech",
                    'assigned_user': owner.id, **values}])
        return potential

    @with_transaction()
    def test_quote_of_a_potential_is_its_owners(self):
        """Converting a potential makes a quote of the potential's owner,
        in stage Created, listed by the potential and found by it"""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Sale = pool.get('sale.sale')
        company, users = self._people()
        potential = self._potential(company, users['rep1'])
        with set_company(company):
            # the manager converts the rep's potential
            rpc_call(users['manager'], Opportunity, 'convert',
                [potential.id], company=company)
        quote, = potential.sales
        self.assertEqual(quote.assigned_user, users['rep1'])
        self.assertEqual(quote.quote_stage, 'created')
        self.assertEqual(quote.state, 'draft')
        self.assertEqual(quote.crm_potential, potential)
        self.assertEqual(quote.party, potential.party)
        for clause in [
                ('crm_potential', '=', potential.id),
                ('crm_potential', 'in', [potential.id]),
                ('crm_potential', 'ilike', potential.rec_name),
                ('crm_potential.description', '=', "Printers for Initech"),
                ('crm_potential', '!=', None),
                ]:
            with self.subTest(clause=clause):
                self.assertEqual(Sale.search([clause]), [quote])
        self.assertEqual(Sale.search([('crm_potential', '=', None)]), [])
        self.assertEqual(
            Sale.search([('crm_potential', 'ilike', 'Other%')]), [])

    @with_transaction()
    def test_quote_stage(self):
        """A quote starts in stage Created; a copy starts over; the stage of
        a sales order is read-only"""
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        company, users = self._people()
        account, = Party.create([{
                    'name': "Vandelay", 'crm_type': 'account',
                    'crm_company': company.id,
                    'assigned_user': users['rep1'].id}])
        with set_company(company):
            quote, = rpc_call(users['rep1'], Sale, 'create', [{
                        'party': account.id, 'company': company.id,
                        'currency': company.currency.id}], company=company)
            quote = Sale(quote)
            self.assertEqual(
                (quote.quote_stage, quote.assigned_user),
                ('created', users['rep1']))
            rpc_call(users['rep1'], Sale, 'write', [quote.id],
                {'quote_stage': 'accepted'}, company=company)
            self.assertEqual(Sale(quote.id).quote_stage, 'accepted')
            copy, = rpc_call(users['rep1'], Sale, 'copy', [quote.id], {},
                company=company)
            self.assertEqual(Sale(copy).quote_stage, 'created')
        view = Sale.fields_view_get(view_type='form')
        states = view['fields']['quote_stage']['states']
        self.assertIn('readonly', states)

    @with_transaction()
    def test_quotes_of_other_reps_are_hidden(self):
        """Under private sharing a rep neither lists, reads nor converts
        into the quote of another rep; the manager above them does"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        company, users = self._people()
        potential = self._potential(company, users['rep2'])
        with set_company(company):
            sale = potential.create_sale()
            sale.save()
            self.assertEqual(sale.assigned_user, users['rep2'])
            for login, expected in [
                    ('rep1', []), ('rep2', [sale.id]), ('manager', [sale.id])]:
                with self.subTest(login=login):
                    self.assertEqual(rpc_call(
                            users[login], Sale, 'search', [], company=company),
                        expected)
            for method, args in [
                    ('read', ([sale.id], ['total_amount'])),
                    ('quote', ([sale.id],)),
                    ('write', ([sale.id], {'description': "Mine"})),
                    ]:
                with self.subTest(method=method), \
                        self.assertRaises(AccessError):
                    rpc_call(users['rep1'], Sale, method, *args,
                        company=company)
            self.assertEqual(Sale(sale.id).state, 'draft')
            self.assertEqual(Sale(sale.id).description, sale.description)

    @with_transaction()
    def test_crm_sales_users_work_on_sales(self):
        """The CRM Sales group holds the host's sales rights: its members
        create quotes with lines and see the Quotes and Sales Orders menus,
        which list the documents by state"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Party = pool.get('party.party')
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action.act_window')
        Menu = pool.get('ir.ui.menu')
        company, users = self._people()
        rep = users['rep1']
        account, = Party.create([{
                    'name': "Soylent", 'crm_type': 'account',
                    'crm_company': company.id, 'assigned_user': rep.id,
                    'addresses': [('create', [{}])]}])
        with set_company(company):
            quote, = rpc_call(rep, Sale, 'create', [{
                        'party': account.id, 'company': company.id,
                        'currency': company.currency.id,
                        'invoice_address': account.addresses[0].id,
                        'lines': [('create', [{
                                        'type': 'line',
                                        'description': "Consulting day",
                                        'quantity': 2,
                                        'unit_price': Decimal('600'),
                                        }])],
                        }], company=company)
            self.assertEqual(Sale(quote).total_amount, Decimal('1200'))
            order, = Sale.copy([Sale(quote)])
            Sale.write([order], {
                    'state': 'confirmed',
                    'sale_date': datetime.date.today()})
        with Transaction().set_user(rep.id), \
                Transaction().set_context(_check_access=True):
            menus = {m.id for m in Menu.search([])}
        lists = {}
        for xml_id in ['act_quote_form', 'act_sales_order_form']:
            menu = ModelData.get_id('crm_sales', xml_id.replace(
                    'act_', 'menu_'))
            self.assertIn(menu, menus)
            action = Action(ModelData.get_id('crm_sales', xml_id))
            lists[xml_id] = Sale.search(action.pyson_domain and eval_domain(
                    action.pyson_domain, rep))
        self.assertEqual(lists, {
                'act_quote_form': [Sale(quote)],
                'act_sales_order_form': [order],
                })

    @with_transaction()
    def test_host_wizards_on_quotes(self):
        """The host's wizards on a quote need the right to edit it: one
        shared read only is refused, and Modify Header may not give one's
        own quote away; driven as the dispatcher drives them"""
        from crm_core.tests.tools import set_sharing
        pool = Pool()
        Sale = pool.get('sale.sale')
        ModifyHeader = pool.get('sale.modify_header', type='wizard')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        with set_company(company):
            other = self._potential(company, rep2).create_sale()
            own = self._potential(company, rep1).create_sale()
            Sale.save([other, own])
        set_sharing('sale.sale', 'public_read')

        def context(sale):
            return {'active_model': 'sale.sale', 'active_id': sale.id,
                'active_ids': [sale.id]}
        with self.assertRaises(AccessError) as refused:
            rpc_call(rep1, ModifyHeader, 'create', company=company,
                context=context(other))
        self.assertIn("read only", str(refused.exception))
        session_id, start, _ = rpc_call(rep1, ModifyHeader, 'create',
            company=company, context=context(own))
        view = rpc_call(rep1, ModifyHeader, 'execute', session_id, {},
            start, company=company, context=context(own))
        values = {k: v for k, v in view['view']['defaults'].items()
            if '.' not in k}
        # Given away with the wizard's form: refused after the transition
        with self.assertRaises(AccessError):
            rpc_call(rep1, ModifyHeader, 'execute', session_id,
                {start: {**values, 'assigned_user': rep2.id}}, 'modify',
                company=company, context=context(own))
        # (the dispatcher rolls the request back; here the test does)
        Transaction().rollback()

    @with_transaction()
    def test_report_of_quote_with_hidden_account(self):
        """The report of one's quote whose account became hidden reads the
        account as a read gives it: not its language"""
        pool = Pool()
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        SaleReport = pool.get('sale.sale', type='report')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        with set_company(company):
            quote = self._potential(company, rep1).create_sale()
            # (the address of a hidden account reads as nothing, which the
            # host's template cannot print)
            quote.invoice_address = quote.shipment_address = None
            quote.save()
        hidden = quote.party
        french, = Lang.search([('code', '=', 'fr')])
        Party.write([hidden], {'assigned_user': rep2.id, 'lang': french.id})
        read = Party.read
        seen = []

        @classmethod
        def spied(cls, ids, fields_names):
            seen.extend((i, f) for i in ids for f in fields_names)
            return read(ids, fields_names)
        with unittest.mock.patch.object(Party, 'read', spied):
            rpc_call(rep1, SaleReport, 'execute', [quote.id], {},
                company=company)
        self.assertNotIn((hidden.id, 'lang'), seen)
        self.assertNotIn((hidden.id, 'langs'), seen)
        seen.clear()
        with unittest.mock.patch.object(Party, 'read', spied):
            # (the manager reads both the quote and the account)
            rpc_call(users['manager'], SaleReport, 'execute', [quote.id],
                {}, company=company)
        self.assertIn((hidden.id, 'lang'), seen)

    @with_transaction()
    def test_contact_of_a_hidden_account_opens(self):
        """A quote whose contact is a mechanism of an account hidden from
        the rep opens (read as sao reads it: the contact's name is the
        placeholder); the mechanism read directly is refused"""
        from trytond.i18n import gettext
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Sale = pool.get('sale.sale')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        hidden, = Party.create([{
                    'name': "Globex", 'crm_type': 'account',
                    'crm_company': company.id, 'assigned_user': rep2.id,
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'hank@globex.example'}])]}])
        mechanism, = hidden.contact_mechanisms
        with set_company(company):
            quote = self._potential(company, rep1).create_sale()
            quote.contact = mechanism
            quote.save()
        row, = rpc_call(rep1, Sale, 'read', [quote.id],
            ['contact', 'contact.rec_name', 'party.rec_name'],
            company=company)
        self.assertEqual(row['contact.']['rec_name'],
            gettext('crm_core.msg_hidden_record'))
        self.assertEqual(row['party.']['rec_name'], "Initech")
        for names in [['rec_name'], ['value'], ['id']]:
            with self.subTest(names=names), self.assertRaises(AccessError):
                rpc_call(rep1, Mechanism, 'read', [mechanism.id], names,
                    company=company)

    def _quote(self, company, potential, user, **values):
        "A quote of potential with one line, created by user over RPC"
        Sale = Pool().get('sale.sale')
        account = potential.party
        quote, = rpc_call(user, Sale, 'create', [{
                    'party': account.id, 'company': company.id,
                    'currency': company.currency.id,
                    'invoice_address': account.addresses[0].id,
                    'origin': str(potential),
                    'lines': [('create', [{
                                    'type': 'line',
                                    'description': "Laser printer",
                                    'quantity': 3,
                                    'unit_price': Decimal('450'),
                                    }])],
                    **values}], company=company)
        return Sale(quote)

    def _two_quotes(self):
        "The company, rep1, a potential of rep1 and two quotes of it"
        company, users = self._people()
        rep = users['rep1']
        potential = self._potential(company, rep)
        with set_company(company):
            first = self._quote(company, potential, rep)
            second = self._quote(company, potential, rep)
        return company, rep, potential, first, second

    @with_transaction()
    def test_sales_order_wins_its_potential(self):
        """Confirming one of the two quotes of a potential as a sales order
        closes the potential as won (stage, probability, history), the
        other quote still open"""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Sale = pool.get('sale.sale')
        company, rep, potential, first, second = self._two_quotes()
        with set_company(company):
            for button in ['quote', 'confirm']:
                rpc_call(rep, Sale, button, [second.id], company=company)
        potential = Opportunity(potential.id)
        self.assertEqual(Sale(second.id).state, 'confirmed')
        self.assertEqual(Sale(first.id).state, 'draft')
        self.assertEqual(potential.state, 'won')
        self.assertEqual(potential.sales_stage.closing, 'won')
        self.assertEqual(potential.conversion_probability, 1)
        current, = [h for h in potential.stage_history if not h.date_left]
        self.assertEqual(current.stage, potential.sales_stage)
        self.assertEqual(potential.amount, Decimal('2700'))

    @with_transaction()
    def test_bad_quotes_are_refused(self):
        """A quote without line is not sent, a negative quantity is not
        kept (but on a return), an account of another company is not
        quoted: a clear message each, nothing written"""
        from trytond.model.exceptions import ValidationError
        from trytond.model.modelview import AccessButtonError
        from trytond.modules.company.tests import create_company
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        company, users = self._people()
        rep = users['rep1']
        potential = self._potential(company, rep)
        with set_company(company):
            empty = self._quote(company, potential, rep, lines=[])
            # (the host disables the button of a sale without lines)
            with self.assertRaises(AccessButtonError):
                rpc_call(rep, Sale, 'quote', [empty.id], company=company)
            with self.assertRaisesRegex(ValidationError, "has no line"):
                Sale.quote([empty])
            self.assertEqual(Sale(empty.id).state, 'draft')
            quote = self._quote(company, potential, rep)
            line, = quote.lines
            with self.assertRaisesRegex(
                    ValidationError, "negative quantity"):
                rpc_call(rep, Line, 'write', [line.id], {'quantity': -2},
                    company=company)
            # (the dispatcher rolls the request back; here the test does)
            Line.write([line], {'quantity': 3})
            # The host's return of a sales order keeps its negative lines
            Sale.quote([quote])
            Sale.confirm([quote])
            ReturnSale = pool.get('sale.return_sale', type='wizard')
            session_id, _, _ = ReturnSale.create()
            with Transaction().set_context(active_model='sale.sale',
                    active_id=quote.id, active_ids=[quote.id]):
                ReturnSale.execute(session_id, {}, 'return_')
            returned, = Sale.search([('origin', '=', str(quote))])
            self.assertEqual(returned.lines[0].quantity, -3)
        with set_company(company):
            other = create_company("Other Company")
        foreign, = Party.create([{
                    'name': "Elsewhere", 'crm_type': 'account',
                    'crm_company': other.id}])
        with set_company(company):
            with self.assertRaisesRegex(ValidationError, "Other Company"):
                Sale.create([{'party': foreign.id, 'company': company.id,
                            'currency': company.currency.id}])

    @with_transaction()
    def test_my_open_quotes_by_amount(self):
        """My Open Quotes lists the rep's open quotes, the largest untaxed
        amount first (the host's amount is not orderable)"""
        pool = Pool()
        Action = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        Sale = pool.get('sale.sale')
        company, users = self._people()
        rep = users['rep1']
        potential = self._potential(company, rep)
        action = Action(ModelData.get_id('crm_sales', 'act_my_open_quotes'))
        with set_company(company):
            small, large, middle, rejected = [
                self._quote(company, potential, rep, lines=[('create', [{
                                    'type': 'line', 'description': "Item",
                                    'quantity': quantity,
                                    'unit_price': Decimal(price)}])])
                for quantity, price in [
                    (1, '90'), (4, '300'), (2, '250'), (9, '900')]]
            Sale.write([rejected], {'quote_stage': 'rejected'})
            # (another rep's quote, the largest)
            Sale.copy([rejected], {
                    'assigned_user': users['rep2'].id,
                    'quote_stage': 'created'})
            context = {'_user': rep.id}
            domain = PYSONDecoder(context).decode(action.pyson_domain)
            order = PYSONDecoder(context).decode(action.pyson_order)
            self.assertEqual(rpc_call(rep, Sale, 'search', domain, 0, None,
                    order, company=company),
                [large.id, middle.id, small.id])
            self.assertEqual(rpc_call(rep, Sale, 'search', domain, 0, None,
                    [('untaxed_amount', 'ASC')], company=company),
                [small.id, middle.id, large.id])

    @with_transaction()
    def test_discount_validity_and_rate_refused(self):
        """A discount above 100 % is refused (100 % is not); accepting a
        quote past its Valid Till asks first and confirming it is refused;
        a quote in a currency without rate is not sent"""
        import datetime
        from trytond.exceptions import UserWarning
        from trytond.model.exceptions import ValidationError
        from trytond.modules.currency.exceptions import RateError
        pool = Pool()
        Currency = pool.get('currency.currency')
        Line = pool.get('sale.line')
        Sale = pool.get('sale.sale')
        Warning = pool.get('res.user.warning')
        company, users = self._people()
        rep = users['rep1']
        potential = self._potential(company, rep)
        with set_company(company):
            quote = self._quote(company, potential, rep)
            line, = quote.lines
            with self.assertRaisesRegex(ValidationError, "exceed 100 %"):
                rpc_call(rep, Line, 'write', [line.id], {
                        'base_price': Decimal('450'),
                        'unit_price': Decimal('-45')}, company=company)
            rpc_call(rep, Line, 'write', [line.id], {
                    'base_price': Decimal('450'),
                    'unit_price': Decimal('0')}, company=company)
            self.assertEqual(Line(line.id).discount, "100%")

            # Valid 10 days from 20 days ago
            Line.write([line], {'unit_price': Decimal('405')})
            Sale.write([quote], {
                    'quotation_date': (
                        datetime.date.today() - datetime.timedelta(days=20)),
                    'quotation_validity': datetime.timedelta(days=10)})
            Sale.quote([quote])
            with self.assertRaises(UserWarning) as cm:
                rpc_call(rep, Sale, 'write', [quote.id],
                    {'quote_stage': 'accepted'}, company=company)
            self.assertIn("Mark it accepted anyway", cm.exception.message)
            Warning.create([{'user': rep.id, 'name': cm.exception.name}])
            rpc_call(rep, Sale, 'write', [quote.id],
                {'quote_stage': 'accepted'}, company=company)
            self.assertEqual(Sale(quote.id).quote_stage, 'accepted')
            with self.assertRaisesRegex(ValidationError, "was valid until"):
                rpc_call(rep, Sale, 'confirm', [quote.id], company=company)
            self.assertEqual(Sale(quote.id).state, 'quotation')

            rateless, = Currency.create([{
                        'name': "Testing Dollar", 'symbol': "T$",
                        'code': 'XTS'}])
            foreign = self._quote(
                company, potential, rep, currency=rateless.id)
            with self.assertRaisesRegex(RateError, "Testing Dollar"):
                rpc_call(rep, Sale, 'quote', [foreign.id], company=company)
            self.assertEqual(Sale(foreign.id).state, 'draft')

    @with_transaction()
    def test_currency_switched_and_back_keeps_prices(self):
        """A product's price in another currency uses the host's rate;
        switching the draft's currency there and back gives the same
        prices and totals to the cent (no drift: each price is computed
        from the product's list price, never from the previous one)"""
        import datetime
        pool = Pool()
        Currency = pool.get('currency.currency')
        Rate = pool.get('currency.currency.rate')
        Line = pool.get('sale.line')
        Sale = pool.get('sale.sale')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        company, users = self._people()
        rep = users['rep1']
        potential = self._potential(company, rep)
        euro, = Currency.create([{
                    'name': "Euro", 'symbol': "€", 'code': 'EUR'}])
        Rate.create([{'currency': euro.id, 'rate': Decimal('0.9173'),
                    'date': datetime.date.today() - datetime.timedelta(
                        days=1)}])
        dollar = company.currency
        if not dollar.rates:
            Rate.create([{'currency': dollar.id, 'rate': Decimal(1),
                        'date': datetime.date.today() - datetime.timedelta(
                            days=1)}])
        unit, = Uom.search([('name', '=', "Unit")])
        with set_company(company):
            category, = pool.get('product.category').create([{
                        'name': "Printers", 'accounting': True}])
            template, = Template.create([{
                        'name': "Laser printer", 'type': 'service',
                        'account_category': category.id,
                        'default_uom': unit.id, 'salable': True,
                        'sale_uom': unit.id, 'list_price': Decimal('410.00'),
                        'products': [('create', [{}])]}])
            product, = template.products
            quote = self._quote(company, potential, rep, lines=[])

            def priced(currency):
                "The quote in currency, its line priced as the client does"
                Sale.write([quote], {'currency': currency.id})
                line = Line(sale=Sale(quote.id), product=product,
                    quantity=3, unit=unit)
                line.on_change_product()
                line.on_change_quantity()
                return line.unit_price
            usd = priced(dollar)
            self.assertEqual(usd, Decimal('410.0000'))
            eur = priced(euro)
            self.assertEqual(eur, Decimal('376.0930'))
            for _ in range(3):
                self.assertEqual(priced(dollar), usd)
                self.assertEqual(priced(euro), eur)
            # the lines typed stay as typed whatever the switches
            Line.create([{'sale': quote.id, 'product': product.id,
                        'quantity': 3, 'unit': unit.id,
                        'unit_price': usd, 'description': "Laser printer"}])
            total = Sale(quote.id).total_amount
            for currency in [euro, dollar, euro, dollar]:
                rpc_call(rep, Sale, 'write', [quote.id],
                    {'currency': currency.id}, company=company)
            quote = Sale(quote.id)
            self.assertEqual(quote.lines[0].unit_price, Decimal('410.0000'))
            self.assertEqual(quote.total_amount, total)

    @with_transaction()
    def test_account_lists_its_potentials_and_quotes(self):
        """An account's form lists its potentials and quotes as the user
        may see them; a copy of the account takes none of them"""
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        company, users = self._people()
        rep1, rep2 = users['rep1'], users['rep2']
        potential = self._potential(company, rep1)
        account = potential.party
        with set_company(company):
            mine = self._quote(company, potential, rep1)
            theirs, = Sale.copy([mine], {'assigned_user': rep2.id})
        names = ['crm_potentials', 'crm_sales']
        for user, quotes in [
                (rep1, [mine.id]), (users['manager'], [mine.id, theirs.id])]:
            with self.subTest(user=user.login):
                row, = rpc_call(user, Party, 'read', [account.id], names,
                    company=company)
                self.assertEqual(list(row['crm_potentials']), [potential.id])
                self.assertEqual(sorted(row['crm_sales']), sorted(quotes))
        copy, = Party.copy([account])
        self.assertEqual((copy.crm_potentials, copy.crm_sales), ((), ()))
        view = rpc_call(rep1, Party, 'fields_view_get',
            pool.get('ir.model.data').get_id(
                'crm_core', 'account_view_form'), 'form', company=company)
        self.assertTrue(set(names) <= set(view['fields']))

    @with_transaction()
    def test_rejected_quotes_offer_to_close_lost(self):
        """When the customer rejected every quote of an open potential, its
        form says so and Close Lost (with a reason) ends it"""
        pool = Pool()
        Opportunity = pool.get('sale.opportunity')
        Sale = pool.get('sale.sale')
        LostReason = pool.get('crm.lost_reason')
        company, rep, potential, first, second = self._two_quotes()

        def rejected():
            row, = rpc_call(rep, Opportunity, 'read', [potential.id],
                ['crm_quotes_rejected'], company=company)
            return row['crm_quotes_rejected']
        self.assertFalse(rejected())
        rpc_call(rep, Sale, 'write', [first.id], {'quote_stage': 'rejected'},
            company=company)
        self.assertFalse(rejected())
        rpc_call(rep, Sale, 'write', [second.id],
            {'quote_stage': 'rejected'}, company=company)
        self.assertTrue(rejected())
        view = Opportunity.fields_view_get(
            pool.get('ir.model.data').get_id(
                'crm_sales', 'potential_view_form'), 'form')
        self.assertIn('crm_quotes_rejected', view['arch'])
        reason = LostReason.search([], limit=1)
        rpc_call(rep, Opportunity, 'write', [potential.id],
            {'lost_reason_type': reason[0].id if reason else None},
            company=company)
        rpc_call(rep, Opportunity, 'close_lost', [potential.id],
            company=company)
        self.assertEqual(Opportunity(potential.id).state, 'lost')
        self.assertFalse(rejected())


def eval_domain(pyson, user):
    "The domain of an action for user"
    from trytond.pyson import PYSONDecoder
    return PYSONDecoder({'_user': user.id}).decode(pyson)
