"""The demo's saved reports (the report builder), besides the standard
ones the modules ship: a rep's private report, a manager's shared with
its reps and e-mailed to them every Monday, a support manager's."""


def _field(pool, model, name):
    ModelField = pool.get('ir.model.field')
    field, = ModelField.search([('model', '=', model), ('name', '=', name)])
    return field.id


def _column(pool, model, name, **values):
    return dict(values, field=_field(pool, model, name))


def create_reports_demo(pool, users):
    """Create the demo's reports as their owners would (each as its owner,
    with its rules); users: {login: res.user}."""
    from trytond.transaction import Transaction
    Folder = pool.get('crm.report.folder')
    Report = pool.get('crm.report')
    ModelData = pool.get('ir.model.data')
    party, potential, ticket = 'party.party', 'sale.opportunity', 'crm.ticket'
    pipeline, = Folder.create([{
                'name': "Team Reviews",
                'description': "The reports of the Monday pipeline review.",
                }])
    sales_rep_role = ModelData.get_id('crm_core', 'role_sales_rep')
    Day = pool.get('ir.calendar.day')
    monday, = Day.search([('index', '=', 0)])
    reports = [
        ('sales.rep1', {
                'name': "My Accounts by Industry",
                'folder': ModelData.get_id(
                    'crm_core', 'report_folder_contacts'),
                'record_type': 'account',
                'description': "Where my accounts' revenue is.",
                'group_by': _field(pool, party, 'industry'),
                'chart': 'vbar',
                'columns': [('create', [
                            _column(pool, party, 'name', order='ASC'),
                            _column(pool, party, 'rating'),
                            _column(pool, party, 'annual_revenue',
                                aggregate='sum', chart_measure=True),
                            _column(pool, party, 'employees',
                                aggregate='sum'),
                            ])],
                'conditions': [('create', [{
                                'field': _field(
                                    pool, party, 'assigned_user'),
                                'operator': '=', 'value': "Rita Rep",
                                }])],
                }),
        ('sales.manager', {
                'name': "Closing This Quarter by Rep",
                'folder': pipeline.id,
                'record_type': 'potential',
                'description': "Open potentials expected to close this "
                "quarter, per rep, for the Monday review.",
                'shared_roles': [('add', [sales_rep_role])],
                # e-mailed every Monday to the team, each its own rows
                'schedule': 'weekly',
                'schedule_weekday': monday.id,
                'schedule_format': 'xlsx',
                'recipients': [('add', [users[login].id for login in [
                                'sales.manager', 'sales.rep1',
                                'sales.rep2']])],
                'group_by': _field(pool, potential, 'assigned_user'),
                'chart': 'pie',
                'date_field': _field(pool, potential, 'expected_close_date'),
                'date_range': 'this_quarter',
                'columns': [('create', [
                            _column(pool, potential, 'description'),
                            _column(pool, potential, 'party'),
                            _column(pool, potential, 'party',
                                related=_field(pool, party, 'industry'),
                                label="Industry"),
                            _column(pool, potential, 'sales_stage'),
                            _column(pool, potential, 'amount',
                                aggregate='sum', chart_measure=True),
                            _column(pool, potential, 'expected_close_date',
                                order='ASC'),
                            ])],
                'conditions': [('create', [{
                                'field': _field(pool, potential, 'state'),
                                'operator': '=', 'value': 'opportunity',
                                }])],
                }),
        ('support.manager', {
                'name': "Urgent Tickets by Assignee",
                'folder': ModelData.get_id(
                    'crm_support', 'report_folder_tickets'),
                'record_type': 'ticket',
                'description': "Tickets of high or urgent priority "
                "not closed yet.",
                'group_by': _field(pool, ticket, 'assigned_user'),
                'chart': 'vbar',
                'columns': [('create', [
                            _column(pool, ticket, 'number'),
                            _column(pool, ticket, 'title'),
                            _column(pool, ticket, 'account'),
                            _column(pool, ticket, 'priority'),
                            _column(pool, ticket, 'state'),
                            _column(pool, ticket, 'hours',
                                aggregate='sum'),
                            _column(pool, ticket, 'create_date',
                                order='ASC'),
                            ])],
                'match': 'all',
                'conditions': [('create', [{
                                'field': _field(pool, ticket, 'priority'),
                                'operator': '!=', 'value': 'Low',
                                }, {
                                'field': _field(pool, ticket, 'priority'),
                                'operator': '!=', 'value': 'Normal',
                                }, {
                                'field': _field(pool, ticket, 'state'),
                                'operator': '!=', 'value': 'closed',
                                }])],
                }),
        ]
    created = {}
    for login, values in reports:
        user = users[login]
        with Transaction().set_user(user.id), Transaction().set_context(
                _check_access=True, company=user.company.id):
            report, = Report.create([dict(values, user=user.id)])
            created[login] = report
    return created
