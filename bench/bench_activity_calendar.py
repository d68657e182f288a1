#!/usr/bin/env python
"""Activity benchmark: a rep's calendar month vs the admin's at up to a
million activities, and the iCalendar feed of a user with 2,000
activities.

    python bench/bench_activity_calendar.py --sizes 100000,1000000

Creates a PostgreSQL database with crm_core (or reuses ``--database``),
grows it to each size with activities (spread over the years before
and after a fixed day, at a million one every 5 minutes, owned by 20
reps in turn: 14 a day for each rep; one in ten inviting the next rep;
sharing of crm.activity 'private'), each with its occurrence, and
measures, as over RPC (the user's context and access checks):

- the month sao's calendar shows (*My Calendar*: the occurrences assigned
  to or inviting the user, with the calendar's period domain, then the
  read of the calendar's fields) of ``bench_rep01``, opened by the rep
  (with its record rules) and by ``admin`` (without: the baseline);
- the feed of ``bench_manager1`` once it holds ``--feed-activities``
  activities (one in ten recurring weekly with a moved and a cancelled
  occurrence), built (``build_calendar``) and served again unchanged
  (``cached_calendar``), against the read of the same activities' fields
  as the baseline.

One JSON line per figure (median ms, ratios); a benchmark never fails on
a time.
"""
import argparse
import datetime as dt
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from bench_account_list import (  # noqa: E402
    UNACCENT_IMMUTABLE, Bench, log, sales_database)

SEED = 2026
#: the middle of the generated activities, and the month measured
MIDDLE = dt.datetime(2026, 6, 1)
MONTH = (dt.datetime(2026, 6, 1), dt.datetime(2026, 7, 6))
INTERVAL = dt.timedelta(minutes=5)
#: the activities are spread over SPAN intervals (a prime multiplier
#: scatters the indexes)
SPAN = 1_000_000
SCATTER = 7919
CALENDAR_READ = [
    'start', 'end', 'subject', 'calendar_color', 'rec_name', '_timestamp',
    '_write', '_delete']
STATUSES = ['planned'] * 6 + ['held'] * 3 + ['not_held']


def calendar_domain(uid, start, end):
    "The domain sao's calendar of My Calendar searches for the period."
    period = [
        ('start', '!=', None),
        ('end', '!=', None),
        ['OR',
            [('start', '>=', start), ('start', '<', end)],
            [('end', '>=', start), ('end', '<', end)],
            [('start', '<', start), ('end', '>', end)],
            ],
        ]
    return [('cancelled', '=', False)] + period + [['OR',
            ('assigned_user', '=', uid),
            ('invited_users', '=', uid)]]


def start_of(index):
    """The start of the activity index: the millionth activities spread
    over the years around MIDDLE, each size as dense everywhere."""
    return MIDDLE + ((index * SCATTER) % SPAN - SPAN // 2) * INTERVAL


def existing_activities(cursor):
    cursor.execute(
        "SELECT count(*) FROM crm_activity WHERE subject LIKE 'BA %%'")
    return cursor.fetchone()[0]


def add_activities(connection, base, upto):
    """Add the activities missing to reach upto, with their occurrences
    and invitations (COPY).  Return the number added."""
    cursor = connection.cursor()
    start = existing_activities(cursor) + 1
    count = upto - start + 1
    if count <= 0:
        return 0
    reps = base['reps']
    first = generate._reserve_ids(cursor, 'crm_activity', count)
    first_occurrence = generate._reserve_ids(
        cursor, 'crm_activity_occurrence', count)
    invitations = []
    statuses = {}
    with cursor.copy(
            'COPY crm_activity (id, company, kind, subject, start, "end", '
            'all_day, timezone, status, priority, assigned_user, '
            'interval, create_date, create_uid) FROM STDIN') as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            rng = random.Random(SEED * 11 + index)
            begin = start_of(index)
            owner = reps[index % len(reps)]
            statuses[index] = rng.choice(STATUSES)
            copy.write_row((
                    first + offset, base['company'], 'event',
                    'BA %d' % index, begin, begin + dt.timedelta(minutes=30),
                    False, 'UTC', statuses[index], 'medium', owner, 1,
                    MIDDLE, 0))
            if index % 10 == 0:
                invitations.append(
                    (first + offset, reps[(index + 1) % len(reps)]))
    with cursor.copy(
            'COPY crm_activity_occurrence (id, activity, start, "end", '
            'subject, assigned_user, company, closed, cancelled, moved, '
            'reminded, create_date, create_uid) FROM STDIN') as copy:
        for offset, index in enumerate(range(start, upto + 1)):
            begin = start_of(index)
            copy.write_row((
                    first_occurrence + offset, first + offset, begin,
                    begin + dt.timedelta(minutes=30), 'BA %d' % index,
                    reps[index % len(reps)], base['company'],
                    statuses[index] != 'planned',
                    False, False, True, MIDDLE, 0))
    with cursor.copy('COPY "crm_activity-res_user" (activity, "user", '
            'create_date, create_uid) FROM STDIN') as copy:
        for activity, user in invitations:
            copy.write_row((activity, user, MIDDLE, 0))
    return count


def feed_user_activities(database, base, count):
    """Give bench_manager1 (who owns none of the generated activities)
    count activities of its own through the ORM (one in ten weekly for
    eight weeks, with one occurrence moved and one cancelled).  Return the
    user id."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    user = base['managers'][0]
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Activity = pool.get('crm.activity')
        Occurrence = pool.get('crm.activity.occurrence')
        existing = Activity.search_count([('subject', 'like', 'Feed %')])
        vlist = []
        for index in range(existing, count):
            begin = MIDDLE + dt.timedelta(hours=index * 5)
            values = {
                'company': base['company'], 'kind': 'event',
                'subject': 'Feed %d' % index, 'start': begin,
                'end': begin + dt.timedelta(hours=1), 'status': 'planned',
                'timezone': 'Europe/Paris', 'assigned_user': user,
                'description': 'Activity %d of the feed benchmark' % index,
                }
            if index % 10 == 0:
                values.update({'frequency': 'weekly', 'count': 8})
            vlist.append(values)
        recurring = [a for a in Activity.create(vlist) if a.frequency]
        for activity in recurring:
            first, second = activity.occurrences[1:3]
            Occurrence.write([first], {
                    'start': first.start + dt.timedelta(hours=2),
                    'end': first.end + dt.timedelta(hours=2),
                    'moved': True})
            Occurrence.write([second], {'cancelled': True})
        transaction.commit()
    return user


def calendar_month(Occurrence, domain):
    def run():
        clock = time.perf_counter
        t0 = clock()
        ids = list(map(int, Occurrence.search(domain)))
        t1 = clock()
        rows = Occurrence.read(ids, CALENDAR_READ)
        t2 = clock()
        return {'rows': len(rows), 'search_ms': (t1 - t0) * 1000,
            'read_ms': (t2 - t1) * 1000}
    return run


def feed(build_calendar, user):
    def run():
        body = build_calendar(user)
        return {'bytes': len(body)}
    return run


def feed_baseline(Activity, user):
    "The read of the fields of the user's activities the feed reads."
    def run():
        from trytond.transaction import Transaction
        cursor = Transaction().connection.cursor()
        cursor.execute(*Activity.search(
                [('assigned_user', '=', user)], query=True))
        rows = Activity.read([i for i, in cursor], [
                'subject', 'start', 'end', 'status', 'priority',
                'description', 'timezone', 'frequency', 'write_date'])
        return {'rows': len(rows)}
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--uri', default=os.environ.get(
            'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/'))
    parser.add_argument('--database', '-d',
        help="reuse this database (crm_core activated)")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--sizes', default='100000,1000000')
    parser.add_argument('--feed-activities', type=int, default=2000)
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args(argv)

    generate.init_trytond(args.uri, unaccent_function=UNACCENT_IMMUTABLE)
    with sales_database(args.uri, args.database, 'crm_bench_activities',
            keep=args.keep, module='crm_core') as (database, _):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        base = generate.generate(database, 0, log=log)
        for size in map(int, args.sizes.split(',')):
            started = time.perf_counter()
            with Transaction().start(database, 0) as transaction:
                added = add_activities(transaction.connection, base, size)
                transaction.commit()
            with Transaction().start(database, 0) as transaction:
                cursor = transaction.connection.cursor()
                for table in ['crm_activity', 'crm_activity_occurrence',
                        '"crm_activity-res_user"']:
                    cursor.execute('ANALYZE %s' % table)
                transaction.commit()
            log('size %d ready (+%d) in %.1fs' % (
                    size, added, time.perf_counter() - started))
            bench = Bench(database, args.repeat)
            users = bench.users()
            Occurrence = bench.pool.get('crm.activity.occurrence')
            results = {}
            for user in ['admin', 'rep']:
                uid = users[user]
                context = bench.context(uid, {})
                # (the same calendar for both: the rep's; the admin reads
                # it without record rules)
                domain = calendar_domain(users['rep'], *MONTH)
                median, result = bench.measure(
                    uid, context, calendar_month(Occurrence, domain))
                results[user] = median
                print(json.dumps({
                            'bench': 'activity_calendar_month',
                            'size': size, 'user': user,
                            'median_ms': round(median, 2),
                            'ratio_vs_admin': round(
                                median / results['admin'], 2),
                            **result}), flush=True)
        Pool(database).init()
        user = feed_user_activities(database, base, args.feed_activities)
        from crm_core.activity_feed import build_calendar, cached_calendar
        bench = Bench(database, args.repeat)
        context = bench.context(user, {})
        Activity = bench.pool.get('crm.activity')
        baseline, _ = bench.measure(
            user, context, feed_baseline(Activity, user))
        # built (a feed that changed) and served again (calendar programs
        # poll an unchanged feed)
        for name, build in [
                ('built', build_calendar), ('unchanged', cached_calendar)]:
            median, result = bench.measure(user, context, feed(build, user))
            print(json.dumps({
                        'bench': 'activity_feed', 'feed': name,
                        'activities': args.feed_activities,
                        'median_ms': round(median, 2),
                        'baseline_read_ms': round(baseline, 2),
                        'ratio_vs_read': round(median / baseline, 2),
                        **result}), flush=True)


if __name__ == '__main__':
    start = time.perf_counter()
    main()
    log('done in %.1fs' % (time.perf_counter() - start))
