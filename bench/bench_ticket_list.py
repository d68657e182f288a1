#!/usr/bin/env python
"""Ticket list benchmark: the first page of CRM > Support > Tickets for a
restricted rep (tab My Open: open tickets assigned to it or to a team it
is in) vs the admin (tab All open), at up to a million tickets.

    python bench/bench_ticket_list.py --sizes 100000,1000000

Creates a PostgreSQL database with crm_support (or reuses ``--database``),
grows it with bench/generate.py to each size (tickets: seven in ten
closed, on 10,000 accounts owned by 20 reps, one ticket in ten owned by a
team of five reps; sharing of crm.ticket 'private') and measures, as over
RPC (the user's context and access checks), the page sao shows: the
search of the tab's domain in the list's order (newest first), the count
up to 100 pages and the read of the list's columns, as ``bench_rep01``
(a team member) and ``admin``.  One JSON line per figure (median ms,
ratio to the admin's); a benchmark never fails on a time.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    UNACCENT_IMMUTABLE, Bench, explain_search, list_page, log,
    sales_database)

OPEN = ('state', '!=', 'closed')
ORDER = [('create_date', 'DESC'), ('id', 'DESC')]
# The columns of crm_support/view/ticket_list.xml and what sao adds
LIST_READ = [
    'number', 'title', 'account', 'priority', 'status', 'assigned_user',
    'create_date', 'state', 'account.rec_name', 'status.rec_name',
    'assigned_user.rec_name', 'rec_name', '_timestamp', '_write',
    '_delete']
ACCOUNTS = 10_000
TEAM_MEMBERS = 5


def tab_domain(user, uid):
    "The domain of the tab measured for user"
    if user == 'admin':
        return [OPEN]
    return [OPEN, ['OR',
            ('assigned_user', '=', uid),
            ('assigned_team.members', '=', uid)]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_support activated)")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--sizes', default='100000,1000000')
    parser.add_argument('--limit', type=int, default=80)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--explain', action='store_true')
    parser.add_argument('--profile', action='store_true',
        help="log the cProfile of each user's page")
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with sales_database(args.uri, args.database, 'crm_bench_tickets',
            keep=args.keep, module='crm_support') as (database, _):
        for size in map(int, args.sizes.split(',')):
            started = time.perf_counter()
            generate.generate(database, ACCOUNTS * generate.
                CONTACTS_PER_ACCOUNT, tickets=size,
                team_members=TEAM_MEMBERS, log=log)
            log('size %d ready in %.1fs' % (
                    size, time.perf_counter() - started))
            bench = Bench(database, args.repeat)
            users = bench.users()
            Ticket = bench.pool.get('crm.ticket')
            results = {}
            for user in ['admin', 'rep']:
                uid = users[user]
                domain = tab_domain(user, uid)
                context = bench.context(uid, {})
                median, result = bench.measure(
                    uid, context, list_page(
                        Ticket, domain, args.limit, ORDER, LIST_READ))
                results[user] = median
                print(json.dumps({
                            'bench': 'ticket_list_first_page',
                            'size': size, 'user': user,
                            'tab': 'all open' if user == 'admin'
                            else 'my open',
                            'limit': args.limit,
                            'median_ms': round(median, 2),
                            'ratio_vs_admin': round(
                                median / results['admin'], 2),
                            **result}), flush=True)
                if args.profile:
                    log('--- profile %s size=%d\n%s' % (
                            user, size, bench.profile(uid, context, list_page(
                                    Ticket, domain, args.limit, ORDER,
                                    LIST_READ))))
                if args.explain:
                    log('--- %s size=%d\n%s' % (user, size, explain_search(
                                bench, 'crm.ticket', uid, context, domain,
                                args.limit, ORDER)))


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
