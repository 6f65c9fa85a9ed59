"""One street office's monthly report (the ORM) against hand-written SQL, same database.

    .venv/bin/python benchmarks/bench_report.py --database servicedesk_bench --office office-1

Both sides compute the figures the report page shows: the summary (requests,
people, extended/regular hours, slots planned/held, slot hours, follow-ups opened,
closed, overdue, median days to close, repeat visits), the six grouped tables, the
two comp-time tables (accrued at each worker's own office ratio, approved leave
taken), the three rate tables (rated, resolved, satisfied, call-backs), the votes
against requests, the bookings (made, served, cancelled, no-shows, arrived and not
logged, residents with a second visit), the booked residents' waits and the queue's
waits (median, 90th percentile, per window and item) for this month and the one
before, requests per day and the hour × weekday heat map. The hand-written side is
what a DBA would write: one pass per subject with conditional aggregates and
GROUPING SETS. The script checks both agree on every figure they share before timing
them.

The report reads the request figures of a month that has ended from what it kept
(desks.reports.rollup): the script times it both ways, with both months kept and
with both forgotten just before (computed from the requests, then kept), taking
turns with the SQL (kept, SQL, computed, kept, SQL, computed…), so that a change of
load on the shared machine moves every side alike. It prints the medians, the
queries, this process's CPU time and the load average.
"""

import argparse
import dataclasses
import datetime as dt
import os
import statistics
import subprocess
import time

from django.db.models import F
from django_setup import setup

REQUESTS_SQL = """
SELECT r.logged_at >= %(cur)s AS current, count(*), coalesce(sum(r.count), 0),
       count(*) FILTER (WHERE {extended_r}),
       count(*) FILTER (WHERE NOT {extended_r}),
       count(*) FILTER (WHERE r.resident_id IS NOT NULL),
       count(*) FILTER (WHERE r.resident_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM desks_servicerequest e
           WHERE {alive_e} AND e.resident_id = r.resident_id
             AND e.service_item_id = r.service_item_id
             AND e.logged_at < r.logged_at AND e.logged_at >= r.logged_at - interval '30 days'))
FROM desks_servicerequest r
WHERE {alive_r} AND r.community_id = ANY(%(ids)s)
  AND r.logged_at >= %(prev)s AND r.logged_at < %(end)s
GROUP BY 1
"""
SLOTS_SQL = """
SELECT s.starts_at >= %(cur)s, count(*),
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM desks_assignment a WHERE a.slot_id = s.id
             AND {served_a})),
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
                        AND (f.closed_at IS NULL OR f.closed_at > m.after)),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.closed_at - f.created_at)
           FILTER (WHERE f.closed_at >= m.first AND f.closed_at < m.after)
FROM desks_followup f JOIN desks_servicerequest r ON r.id = f.request_id AND {alive_r}
CROSS JOIN (VALUES (true, %(cur)s::timestamptz, %(end)s::timestamptz, %(next_day)s::date),
                   (false, %(prev)s::timestamptz, %(cur)s::timestamptz, %(cur_day)s::date))
     AS m(current, first, after, next_day)
WHERE f.community_id = ANY(%(ids)s)
GROUP BY m.current
"""
GROUPED_SQL = """
SELECT r.logged_at >= %(cur)s AS current, c.name, cat.name, i.name, r.outcome, r.channel,
       u.username, u.last_name, u.first_name,
       GROUPING(c.name, cat.name, i.name, r.outcome, r.channel, u.username), count(*),
       count(g.id),
       count(*) FILTER (WHERE r.outcome IN ('answered', 'done') OR f.closed_at IS NOT NULL),
       count(*) FILTER (WHERE g.level >= %(satisfied)s),
       count(cb.id),
       count(cb.id) FILTER (WHERE cb.closed_at IS NOT NULL),
       count(cb.id) FILTER (WHERE {on_time_cb})
FROM desks_servicerequest r
JOIN desks_community c ON c.id = r.community_id
JOIN desks_serviceitem i ON i.id = r.service_item_id
JOIN desks_servicecategory cat ON cat.id = i.category_id
JOIN desks_user u ON u.id = r.logged_by_id
LEFT JOIN desks_rating g ON g.request_id = r.id
LEFT JOIN desks_followup f ON f.request_id = r.id
LEFT JOIN desks_callback cb ON cb.rating_id = g.id
WHERE {alive_r} AND r.community_id = ANY(%(ids)s)
  AND r.logged_at >= %(prev)s AND r.logged_at < %(end)s
GROUP BY GROUPING SETS ((1, c.name), (1, cat.name), (1, cat.name, i.name), (1, i.name),
                        (1, r.outcome), (1, r.channel),
                        (1, u.username, u.last_name, u.first_name))
"""
VOTES_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (v.community_id) v.id, v.community_id
    FROM desks_votinground v
    WHERE v.community_id = ANY(%(ids)s) AND v.closes_at <= %(end)s
    ORDER BY v.community_id, v.closes_at DESC
)
SELECT 'votes', i.name, count(*)
FROM desks_vote vo JOIN latest ON latest.id = vo.round_id
LEFT JOIN desks_serviceitem i ON i.id = vo.service_item_id
GROUP BY i.name
UNION ALL
SELECT 'requests', i.name, count(*)
FROM desks_servicerequest r JOIN latest ON latest.community_id = r.community_id
JOIN desks_serviceitem i ON i.id = r.service_item_id
WHERE {alive_r} AND r.logged_at >= %(cur)s AND r.logged_at < %(end)s
GROUP BY i.name
"""
BOOKINGS_SQL = """
SELECT b.day >= %(cur_day)s, count(*),
       count(*) FILTER (WHERE b.cancelled_at IS NULL AND b.request_id IS NOT NULL),
       count(*) FILTER (WHERE b.cancelled_at IS NOT NULL),
       count(*) FILTER (WHERE b.cancelled_at IS NULL AND b.request_id IS NULL
                        AND b.arrived_at IS NULL AND b.ends_at <= %(now)s),
       count(*) FILTER (WHERE b.cancelled_at IS NULL AND b.request_id IS NULL
                        AND b.arrived_at IS NOT NULL AND b.ends_at <= %(now)s)
FROM desks_booking b
WHERE b.community_id = ANY(%(ids)s) AND b.day >= %(prev_day)s AND b.day < %(next_day)s
GROUP BY 1
"""
SECOND_VISITS_SQL = """
SELECT x.month, count(DISTINCT x.resident_id)
FROM (SELECT date_trunc('month', r.logged_at AT TIME ZONE %(tz)s)::date AS month,
             r.resident_id, r.service_item_id
      FROM desks_servicerequest r
      WHERE {alive_r} AND r.community_id = ANY(%(ids)s) AND r.resident_id IS NOT NULL
        AND r.logged_at >= %(prev)s AND r.logged_at < %(end)s
      GROUP BY 1, 2, 3
      HAVING count(DISTINCT (r.logged_at AT TIME ZONE %(tz)s)::date) >= 2) x
GROUP BY x.month
"""
BOOKING_WAITS_SQL = """
SELECT w.window, w.item, GROUPING(w.window, w.item), count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY w.minutes),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY w.minutes)
FROM (SELECT to_char(b.starts_at AT TIME ZONE %(tz)s, 'HH24:MI') || '–'
                 || to_char(b.ends_at AT TIME ZONE %(tz)s, 'HH24:MI') AS window,
             i.name AS item,
             extract(epoch FROM greatest(r.logged_at - greatest(b.arrived_at, b.starts_at),
                                         interval '0')) / 60 AS minutes
      FROM desks_booking b
      JOIN desks_servicerequest r ON r.id = b.request_id
      JOIN desks_serviceitem i ON i.id = b.service_item_id
      WHERE b.community_id = ANY(%(ids)s) AND b.day >= %(cur_day)s AND b.day < %(next_day)s
        AND b.arrived_at IS NOT NULL) w
GROUP BY GROUPING SETS ((w.window), (w.item))
"""
QUEUE_SQL = """
SELECT t.taken_at >= %(cur)s, s.window, i.name, GROUPING(s.window, i.name),
       count(t.called_at), count(*) - count(t.called_at),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.called_at - t.taken_at)),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.called_at - t.taken_at))
FROM desks_queueticket t
JOIN desks_serviceitem i ON i.id = t.service_item_id
LEFT JOIN LATERAL (
    SELECT to_char(d.starts_at AT TIME ZONE %(tz)s, 'HH24:MI') || '–'
               || to_char(d.ends_at AT TIME ZONE %(tz)s, 'HH24:MI') AS window
    FROM desks_dutyslot d
    WHERE d.community_id = t.community_id AND d.cancelled_at IS NULL
      AND d.starts_at <= t.taken_at AND d.ends_at > t.taken_at
    LIMIT 1) s ON true
WHERE t.community_id = ANY(%(ids)s) AND t.taken_at >= %(prev)s AND t.taken_at < %(end)s
GROUP BY GROUPING SETS ((1, s.window), (1, i.name))
"""
DAILY_SQL = """
SELECT (r.logged_at AT TIME ZONE %(tz)s)::date,
       extract(hour FROM r.logged_at AT TIME ZONE %(tz)s)::int,
       extract(isodow FROM r.logged_at AT TIME ZONE %(tz)s)::int,
       GROUPING((r.logged_at AT TIME ZONE %(tz)s)::date), count(*)
FROM desks_servicerequest r
WHERE {alive_r} AND r.community_id = ANY(%(ids)s)
  AND r.logged_at >= %(cur)s AND r.logged_at < %(end)s
GROUP BY GROUPING SETS ((1), (2, 3))
"""
COMP_ACCRUED_SQL = """
SELECT u.username, u.last_name, u.first_name,
       sum(extract(epoch FROM a.ends_at - a.starts_at) / 3600 * CASE s.kind
           WHEN 'weekend' THEN o.comp_ratio_weekend ELSE o.comp_ratio_evening END)
           FILTER (WHERE a.starts_at >= %(cur)s),
       sum(extract(epoch FROM a.ends_at - a.starts_at) / 3600 * CASE s.kind
           WHEN 'weekend' THEN o.comp_ratio_weekend ELSE o.comp_ratio_evening END)
           FILTER (WHERE a.starts_at < %(cur)s)
FROM desks_assignment a
JOIN desks_dutyslot s ON s.id = a.slot_id
JOIN desks_user u ON u.id = a.worker_id
JOIN desks_community c ON c.id = u.community_id
JOIN desks_streetoffice o ON o.id = c.street_office_id
WHERE s.community_id = ANY(%(ids)s) AND s.starts_at >= %(prev)s AND s.starts_at < %(end)s
  AND {served_a}
GROUP BY u.id
"""
COMP_TAKEN_SQL = """
SELECT u.username, u.last_name, u.first_name,
       sum(l.hours) FILTER (WHERE l.date >= %(cur_day)s),
       sum(l.hours) FILTER (WHERE l.date < %(cur_day)s)
FROM desks_compleave l JOIN desks_user u ON u.id = l.worker_id
WHERE u.community_id = ANY(%(ids)s) AND l.status = 'approved'
  AND l.date >= %(prev_day)s AND l.date < %(next_day)s
GROUP BY u.id
"""
COMMUNITIES_SQL = """
SELECT c.id, c.name FROM desks_community c JOIN desks_streetoffice o ON o.id = c.street_office_id
WHERE o.slug = %(office)s ORDER BY c.name
"""


def rule_sql(model, condition, alias: str) -> str:
    """A rule's `Q`, from its one home, as SQL on the table `alias` of `model`.

    Compiled by the ORM rather than retyped, so the hand-written side cannot disagree
    with the app on what "served", "alive" or "extended hours" mean; the rest of the
    SQL stays hand-written. (Overdue at month end needs the month's end per row, so
    FOLLOW_UPS_SQL spells out OwnedWork.overdue_condition; check_agreement holds it.)
    """
    from django.conf import settings
    from django.db import connection

    query = model.objects.filter(condition).query
    sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    # The only parameter a rule takes is the time zone's name (a local day): a literal.
    assert all(param == settings.TIME_ZONE for param in params), params
    sql = sql % tuple(f"'{param}'" for param in params)
    table = connection.ops.quote_name(model._meta.db_table)
    return f"({sql.replace(f'{table}.', f'{alias}.')})"


def rules_sql() -> dict[str, str]:
    """The placeholders of the SQL above, filled from the rules' homes."""
    from desks.models import Assignment, CallBack, ServiceRequest
    from desks.models.rota import SERVED

    return {
        "{served_a}": rule_sql(Assignment, SERVED, "a"),
        "{on_time_cb}": rule_sql(CallBack, CallBack.closed_on_time_condition(), "cb"),
        "{alive_r}": rule_sql(ServiceRequest, ServiceRequest.alive_condition(), "r"),
        "{alive_e}": rule_sql(ServiceRequest, ServiceRequest.alive_condition(), "e"),
        "{extended_r}": rule_sql(ServiceRequest, ServiceRequest.extended_hours_condition(), "r"),
    }


def hand_written(cursor, office_slug, month, now):
    from django.conf import settings

    from desks.models.voice import SATISFIED_FROM

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
        "prev_day": month.previous.first_day,
        "tz": settings.TIME_ZONE,
        "now": now,
        "satisfied": int(SATISFIED_FROM),
    }
    figures = {}
    rules = rules_sql()
    for name, sql in (
        ("requests", REQUESTS_SQL),
        ("slots", SLOTS_SQL),
        ("follow_ups", FOLLOW_UPS_SQL),
        ("grouped", GROUPED_SQL),
        ("daily", DAILY_SQL),
        ("comp_accrued", COMP_ACCRUED_SQL),
        ("comp_taken", COMP_TAKEN_SQL),
        ("votes", VOTES_SQL),
        ("bookings", BOOKINGS_SQL),
        ("second_visits", SECOND_VISITS_SQL),
        ("booking_waits", BOOKING_WAITS_SQL),
        ("queue", QUEUE_SQL),
    ):
        for placeholder, rule in rules.items():
            sql = sql.replace(placeholder, rule)
        cursor.execute(sql, params)
        figures[name] = cursor.fetchall()
    return communities, figures


# The grouping set each row of GROUPED_SQL belongs to, by its GROUPING() bits
# (community, category, item, outcome, channel, worker; 1 = rolled up).
GROUPING_SETS = {
    0b011111: "community",
    0b101111: "category",
    0b100111: "item",
    0b110111: "item_name",
    0b111011: "outcome",
    0b111101: "channel",
    0b111110: "worker",
}


def sql_tables(communities, figures, month) -> dict[str, dict[str, tuple[float, float]]]:
    """The hand-written figures as the report's tables: key → {label: (current, previous)}."""
    from desks.models import Channel, Outcome

    def add(table, label, current, count):
        before = table.get(label, (0, 0))
        table[label] = (before[0] + count, before[1]) if current else (before[0], before[1] + count)

    tables = {key: {} for key in GROUPING_SETS.values()}
    tables["community"] = {name: (0, 0) for _, name in communities}
    rates = {"community": {}, "worker": {}, "item_name": {}}
    for current, community, category, item, outcome, channel, *rest in figures["grouped"]:
        worker, (bits, n, *counts) = rest[:3], rest[3:]
        key = GROUPING_SETS[bits]
        if key == "community":
            label = community
        elif key == "category":
            label = category
        elif key == "item":
            label = f"{category} · {item}"
        elif key == "item_name":
            label = item
        elif key == "outcome":
            label = str(Outcome(outcome).label)
        elif key == "channel":
            label = str(Channel(channel).label)
        else:
            label = f"{worker[1]}{worker[2]} ({worker[0]})"
        add(tables[key], label, current, n)
        if key in rates:
            both = rates[key].setdefault(label, [(0,) * 7, (0,) * 7])
            both[0 if current else 1] = (n, *counts)
    tables["rates"] = {
        f"rates-{key.removesuffix('_name')}": {label: tuple(both) for label, both in rows.items()}
        for key, rows in rates.items()
    }
    for key in ("comp_accrued", "comp_taken"):
        tables[key] = {
            f"{last}{first} ({username})": (float(current or 0), float(previous or 0))
            for username, last, first, current, previous in figures[key]
        }
    summary = {}
    for row in figures["requests"]:
        summary[row[0]] = dict(
            zip(("total", "people", "extended", "regular"), row[1:5], strict=True),
            repeats=round(100 * row[6] / row[5], 1) if row[5] else 0,
        )
    for row in figures["slots"]:
        summary[row[0]] |= dict(zip(("planned", "held"), row[1:3], strict=True))
    for row in figures["follow_ups"]:
        summary[row[0]] |= dict(zip(("opened", "closed", "overdue"), row[1:4], strict=True))
        summary[row[0]]["median"] = round(row[4].total_seconds() / 86400, 1) if row[4] else 0
    tables["summary"] = {
        name: (summary[True][name], summary[False][name]) for name in summary[True]
    }
    tables["votes"] = {
        kind: {name: n for found, name, n in figures["votes"] if found == kind}
        for kind in ("votes", "requests")
    }
    bookings = {current: counts for current, *counts in figures["bookings"]}
    second = {month: n for month, n in figures["second_visits"]}
    tables["bookings"] = [
        (found, previous)
        for found, previous in zip(
            bookings.get(True, [0] * 5), bookings.get(False, [0] * 5), strict=True
        )
    ] + [(second.get(month.first_day, 0), second.get(month.previous.first_day, 0))]
    tables["booking_waits"] = {
        ("window" if bits == 1 else "item", window if bits == 1 else item): (
            n,
            round(median, 1),
            round(p90, 1),
        )
        for window, item, bits, n, median, p90 in figures["booking_waits"]
    }
    queue = {}
    for current, window, item, bits, called, not_called, median, p90 in figures["queue"]:
        key = ("waits-window", window) if bits == 1 else ("waits-item", item)
        minutes = [None if v is None else round(v / 60, 1) for v in (median, p90)]
        both = queue.setdefault(key, [(None, None, 0, 0), (None, None, 0, 0)])
        both[0 if current else 1] = (*minutes, called, not_called)
    tables["queue"] = queue
    tables["daily"] = {str(day): n for day, _, _, grouped, n in figures["daily"] if grouped == 0}
    tables["heat"] = {
        (hour, weekday): n for _, hour, weekday, grouped, n in figures["daily"] if grouped == 1
    }
    return tables


def check_agreement(orm_side, sql_side, month) -> None:
    """Stop unless the ORM's and the hand-written figures are the same."""
    from django.utils.translation import gettext as _

    tables, daily, heat_map, rate_tables, votes, bookings, booking_waits, queue = orm_side
    expected = sql_tables(*sql_side, month)
    for table in rate_tables:
        rows = {
            row.label: (dataclasses.astuple(row.current), dataclasses.astuple(row.previous))
            for row in table.rows
        }
        assert rows == expected["rates"][table.key], table.key
    assert {row.label: row.votes for row in votes.rows if row.votes} == {
        name: n for name, n in expected["votes"]["votes"].items() if name is not None
    }, "votes"
    assert {row.label: row.requests for row in votes.rows if row.requests} == (
        expected["votes"]["requests"]
    ), "votes' requests"
    assert votes.unmapped_wishes == expected["votes"]["votes"].get(None, 0), "unmapped wishes"
    assert [(row.current, row.previous) for row in bookings] == expected["bookings"], "bookings"
    shown_waits = {
        (key, row.label): (row.served, row.median, row.p90)
        for key, rows in booking_waits.items()
        for row in rows
    }
    assert shown_waits.keys() == expected["booking_waits"].keys(), "booked waits"
    for key, figures in shown_waits.items():
        for mine, theirs in zip(figures, expected["booking_waits"][key], strict=True):
            assert abs(mine - theirs) <= 0.05 + 1e-9, ("booked waits", key, mine, theirs)
    outside = _("outside duty slots")
    shown_queue = {
        (table.key, row.label): [
            (waits.median, waits.p90, waits.called, waits.not_called)
            for waits in (row.current, row.previous)
        ]
        for table in queue
        for row in table.rows
    }
    expected_queue = {
        (key, label if label is not None else outside): both
        for (key, label), both in expected["queue"].items()
    }
    assert shown_queue.keys() == expected_queue.keys(), "queue"
    for key, both in shown_queue.items():
        for mine, theirs in zip(both, expected_queue[key], strict=True):
            assert mine[2:] == theirs[2:], ("queue", key, mine, theirs)
            for a, b in zip(mine[:2], theirs[:2], strict=True):
                assert (a is None) == (b is None) and (a is None or abs(a - b) <= 0.05 + 1e-9)
    by_key = {table.key: table for table in tables}
    # Row by row, so the tables' totals agree too.
    for key in ("community", "category", "item", "outcome", "channel", "worker", "comp-taken"):
        rows = {row.label: (row.current, row.previous) for row in by_key[key].rows}
        assert rows == expected[key.replace("-", "_")], key
    # The report rounds each worker's hours to 0.1 per slot kind; SQL sums them first.
    accrued = {row.label: (row.current, row.previous) for row in by_key["comp-accrued"].rows}
    assert accrued.keys() == expected["comp_accrued"].keys(), "comp-accrued"
    for label, figures in accrued.items():
        for mine, theirs in zip(figures, expected["comp_accrued"][label], strict=True):
            assert abs(mine - theirs) <= 0.1 + 1e-9, ("comp-accrued", label, mine, theirs)
    summary = by_key["summary"].rows
    names = ("total", "people", "extended", "regular", "planned")
    names += ("opened", "closed", "overdue", "median", "repeats")
    positions = (0, 1, 2, 3, 4, 10, 11, 12, 13, 14)
    for name, position in zip(names, positions, strict=True):
        row = summary[position]
        assert (row.current, row.previous) == expected["summary"][name], name
    # SLOTS_SQL counts the slots a worker served; the report's staffed slots are those
    # that were also held on a day the opening hours say open (a holiday closes some),
    # which no SQL here reads: at most as many.
    staffed = summary[6]
    served = expected["summary"]["held"]
    assert staffed.current <= served[0] and staffed.previous <= served[1], "staffed"
    assert {str(day): n for day, n in daily if n} == expected["daily"], "daily"
    cells = {
        (hour, weekday + 1): n
        for hour, counts in enumerate(heat_map)
        for weekday, n in enumerate(counts)
        if n
    }
    assert cells == expected["heat"], "heat map"


def orm(scope, month):
    """Every figure of the report page (desks.views.reports.report renders these)."""
    from desks.reports.booking_tables import BookingTables
    from desks.reports.monthly import MonthlyReport

    report = MonthlyReport(scope, month)
    bookings = BookingTables(report)
    return (
        report.tables(),
        report.daily(),
        report.heat_map(),
        report.rate_tables(),
        report.votes_against_requests(),
        bookings.counts(),
        bookings.waits(),
        report.waiting_tables(),
    )


def forget_office(scope, month):
    """Empty the office's kept figures of both months, as a change in each would."""
    from desks.models import MonthFigures

    MonthFigures.objects.filter(
        community__in=scope.communities, month__in=[month.first_day, month.previous.first_day]
    ).update(figures=None, generation=F("generation") + 1)


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

    from desks.core.dates import Month
    from desks.core.scope import Scope
    from desks.models import Community, StreetOffice

    translation.activate("zh-hans")
    month = (
        Month.parse(args.month) if args.month else Month.containing(timezone.localdate()).previous
    )
    office = StreetOffice.objects.get(slug=args.office)
    communities = Community.objects.filter(street_office=office).select_related("street_office")
    scope = Scope(office.name, communities, office=office)
    load_before = os.getloadavg()
    now = timezone.now()

    # Both ways the report can go: figures computed (and kept), then read as kept.
    forget_office(scope, month)
    with connection.cursor() as cursor:
        sql_side = hand_written(cursor, args.office, month, now)
    check_agreement(orm(scope, month), sql_side, month)
    orm_side = orm(scope, month)
    check_agreement(orm_side, sql_side, month)
    print(
        f"commit {commit()}; {args.database}; {office.name}: {len(scope.communities)} "
        f"communities, month {month}, {orm_side[0][0].rows[0].current} requests this month "
        f"(ORM computed, ORM kept and SQL agree)"
    )

    with CaptureQueriesContext(connection) as kept_queries:
        orm(scope, month)
    forget_office(scope, month)
    with CaptureQueriesContext(connection) as computed_queries:
        orm(scope, month)
    with CaptureQueriesContext(connection) as sql_queries, connection.cursor() as cursor:
        hand_written(cursor, args.office, month, now)

    # Taking turns, so a change of load moves every side alike.
    times = {"kept": [], "computed": [], "sql": []}
    cpu = {"kept": [], "computed": [], "sql": []}

    def timed_once(key, function):
        started, cpu_started = time.perf_counter(), time.process_time()
        function()
        times[key].append((time.perf_counter() - started) * 1000)
        cpu[key].append((time.process_time() - cpu_started) * 1000)

    with connection.cursor() as cursor:
        for _ in range(args.repeat):
            timed_once("kept", lambda: orm(scope, month))
            timed_once("sql", lambda: hand_written(cursor, args.office, month, now))
            forget_office(scope, month)
            timed_once("computed", lambda: orm(scope, month))
    kept, computed, sql = (statistics.median(times[key]) for key in ("kept", "computed", "sql"))
    rounds = f"median of {args.repeat}, interleaved"
    print(f"ORM report, months kept:     {kept:7.1f} ms {rounds}, {len(kept_queries)} queries")
    print(
        f"ORM report, months computed: {computed:7.1f} ms {rounds}, "
        f"{len(computed_queries)} queries (both months scanned, then kept)"
    )
    print(f"hand-written SQL:            {sql:7.1f} ms {rounds}, {len(sql_queries)} queries")
    print(f"ratio ORM kept / SQL:        {kept / sql:7.2f}  (target ≤ 1.2)")
    print(f"ratio ORM computed / SQL:    {computed / sql:7.2f}")
    print(
        "Python CPU of this process, medians: kept {:.1f} ms, computed {:.1f} ms, "
        "SQL {:.1f} ms (the rest of each wall time is PostgreSQL, and waiting for a core)".format(
            *(statistics.median(cpu[key]) for key in ("kept", "computed", "sql"))
        )
    )
    load_after = os.getloadavg()
    print(
        "load average before: {:.2f} {:.2f} {:.2f}; after: {:.2f} {:.2f} {:.2f}".format(
            *load_before, *load_after
        )
    )
    print(f"measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()


if __name__ == "__main__":
    main()
