"""One street office's monthly report (the ORM) against hand-written SQL, same database.

    .venv/bin/python benchmarks/bench_report.py --database servicedesk_bench --office office-1

Both sides compute the figures the report page shows: the summary (requests,
people, extended/regular hours, slots planned/held, slot hours, follow-ups opened,
closed, overdue, median days to close, repeat visits), the six grouped tables for
this month and the one before, requests per day and the hour × weekday heat map.
The hand-written side is what a DBA would write: one pass per subject with
conditional aggregates and GROUPING SETS. The script checks both agree.
"""

import argparse
import datetime as dt

from django_setup import setup, timed

REQUESTS_SQL = """
SELECT r.logged_at >= %(cur)s AS current, count(*), coalesce(sum(r.count), 0),
       count(*) FILTER (WHERE r.slot_id IS NOT NULL),
       count(*) FILTER (WHERE r.slot_id IS NULL),
       count(*) FILTER (WHERE r.resident_id IS NOT NULL),
       count(*) FILTER (WHERE r.resident_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM desks_servicerequest e
           WHERE e.deleted_at IS NULL AND e.resident_id = r.resident_id
             AND e.service_item_id = r.service_item_id
             AND e.logged_at < r.logged_at AND e.logged_at >= r.logged_at - interval '30 days'))
FROM desks_servicerequest r
WHERE r.deleted_at IS NULL AND r.community_id = ANY(%(ids)s)
  AND r.logged_at >= %(prev)s AND r.logged_at < %(end)s
GROUP BY 1
"""
SLOTS_SQL = """
SELECT s.starts_at >= %(cur)s, count(*),
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM desks_assignment a WHERE a.slot_id = s.id
             AND (a.checked_in_at IS NOT NULL OR a.confirmed_by_id IS NOT NULL))),
       sum(s.ends_at - s.starts_at)
FROM desks_dutyslot s
WHERE s.community_id = ANY(%(ids)s) AND s.starts_at >= %(prev)s AND s.starts_at < %(end)s
GROUP BY 1
"""
FOLLOW_UPS_SQL = """
SELECT m.current,
       count(*) FILTER (WHERE f.created_at >= m.first AND f.created_at < m.after),
       count(*) FILTER (WHERE f.closed_at >= m.first AND f.closed_at < m.after),
       count(*) FILTER (WHERE f.created_at < m.after AND f.due_on < m.next_day
                        AND (f.closed_at IS NULL OR f.closed_at >= m.after)),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.closed_at - f.created_at)
           FILTER (WHERE f.closed_at >= m.first AND f.closed_at < m.after)
FROM desks_followup f JOIN desks_servicerequest r ON r.id = f.request_id
CROSS JOIN (VALUES (true, %(cur)s::timestamptz, %(end)s::timestamptz, %(next_day)s::date),
                   (false, %(prev)s::timestamptz, %(cur)s::timestamptz, %(cur_day)s::date))
     AS m(current, first, after, next_day)
WHERE r.community_id = ANY(%(ids)s)
GROUP BY m.current
"""
GROUPED_SQL = """
SELECT r.logged_at >= %(cur)s AS current, c.name, cat.name, i.name, r.outcome, r.channel,
       u.username, u.last_name, u.first_name,
       GROUPING(c.name, cat.name, i.name, r.outcome, r.channel, u.username), count(*)
FROM desks_servicerequest r
JOIN desks_community c ON c.id = r.community_id
JOIN desks_serviceitem i ON i.id = r.service_item_id
JOIN desks_servicecategory cat ON cat.id = i.category_id
JOIN desks_user u ON u.id = r.logged_by_id
WHERE r.deleted_at IS NULL AND r.community_id = ANY(%(ids)s)
  AND r.logged_at >= %(prev)s AND r.logged_at < %(end)s
GROUP BY GROUPING SETS ((1, c.name), (1, cat.name), (1, cat.name, i.name), (1, r.outcome),
                        (1, r.channel), (1, u.username, u.last_name, u.first_name))
"""
DAILY_SQL = """
SELECT (r.logged_at AT TIME ZONE %(tz)s)::date,
       extract(hour FROM r.logged_at AT TIME ZONE %(tz)s)::int,
       extract(isodow FROM r.logged_at AT TIME ZONE %(tz)s)::int,
       GROUPING((r.logged_at AT TIME ZONE %(tz)s)::date), count(*)
FROM desks_servicerequest r
WHERE r.deleted_at IS NULL AND r.community_id = ANY(%(ids)s)
  AND r.logged_at >= %(cur)s AND r.logged_at < %(end)s
GROUP BY GROUPING SETS ((1), (2, 3))
"""
COMMUNITIES_SQL = """
SELECT c.id, c.name FROM desks_community c JOIN desks_streetoffice o ON o.id = c.street_office_id
WHERE o.slug = %(office)s ORDER BY c.name
"""


def hand_written(cursor, office_slug, month):
    from django.conf import settings

    cursor.execute(COMMUNITIES_SQL, {"office": office_slug})
    communities = cursor.fetchall()
    cur, end = month.bounds()
    prev, _ = month.previous.bounds()
    params = {
        "ids": [pk for pk, _ in communities],
        "cur": cur,
        "end": end,
        "prev": prev,
        "next_day": month.next.first_day,
        "cur_day": month.first_day,
        "tz": settings.TIME_ZONE,
    }
    figures = {}
    for name, sql in (
        ("requests", REQUESTS_SQL),
        ("slots", SLOTS_SQL),
        ("follow_ups", FOLLOW_UPS_SQL),
        ("grouped", GROUPED_SQL),
        ("daily", DAILY_SQL),
    ):
        cursor.execute(sql, params)
        figures[name] = cursor.fetchall()
    return communities, figures


def orm(scope, month):
    from desks.reports import MonthlyReport

    report = MonthlyReport(scope, month)
    return report.tables(), report.daily(), report.heat_map()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="servicedesk_bench")
    parser.add_argument("--office", default="office-1")
    parser.add_argument("--month", help="YYYY-MM; the last full month by default")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup(args.database)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from desks.models import Community, StreetOffice
    from desks.reports import Month, Scope

    translation.activate("zh-hans")
    month = (
        Month.parse(args.month) if args.month else Month.containing(timezone.localdate()).previous
    )
    office = StreetOffice.objects.get(slug=args.office)
    scope = Scope(office.name, Community.objects.filter(street_office=office), office=office)

    tables, _, _ = orm(scope, month)
    with connection.cursor() as cursor:
        _, figures = hand_written(cursor, args.office, month)
    requests_row, people_row = tables[0].rows[:2]
    current = {row[0]: row for row in figures["requests"]}[True]
    assert (requests_row.current, people_row.current) == (current[1], current[2]), current
    print(
        f"{office.name}: {len(scope.communities)} communities, month {month}, "
        f"{current[1]} requests this month (ORM and SQL agree)"
    )

    with CaptureQueriesContext(connection) as queries:
        orm(scope, month)
    orm_ms, _ = timed(lambda: orm(scope, month), args.repeat)
    with connection.cursor() as cursor:
        sql_ms, _ = timed(lambda: hand_written(cursor, args.office, month), args.repeat)
    print(f"ORM report:        {orm_ms:7.1f} ms median of {args.repeat}, {len(queries)} queries")
    print(f"hand-written SQL:  {sql_ms:7.1f} ms median of {args.repeat}, 6 queries")
    print(f"ratio ORM / SQL:   {orm_ms / sql_ms:7.2f}  (target ≤ 1.2)")
    print(f"measured {dt.datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
