"""Weeks with activity: the engine's view of study and coaching records.

Periods are whole weeks (Monday to Sunday), so what the engine needs of the activity is, per ECT
(study) or per mentor and mentee (coaching) and academic year, the set of weeks with at least one
record: a bitmap in one integer. `StudyWeeks` and `CoachingWeeks` hold these, a row per year with
records in it or in the next holding both years' weeks (an induction's two years in one row), and
the person's latest record in any year (for a mentor, of any mentee),
kept up to date by database triggers on the activity tables (every insert, update and delete,
bulk ones and raw SQL included), so the nightly recompute reads a row per person and year instead
of every activity row. (On SQLite, Django alters a table by rebuilding it, which drops its
triggers: a migration that alters an activity table must run `trigger_sql` again.)

Weeks are numbered from EPOCH (a Monday). A week belongs to the academic year of its Wednesday —
a term week has three weekdays in a half term, so its Wednesday is inside the half term — and is
bit YEAR_BITS - 1 - (week - first_week(year)) of that year's bitmap (in reverse, so that "the
periods after the last met one" are the bits below its lowest set bit).
"""

import datetime

from django.db import connection

EPOCH = datetime.date(1990, 1, 1)
YEAR_BITS = 53  # an academic year has 52 or 53 weeks
FULL = (1 << YEAR_BITS) - 1


def first_week(year):
    """The number of an academic year's first week: the first whose Wednesday is on or after 1 September."""
    return ((datetime.date(year, 9, 1) - EPOCH).days + 4) // 7


def days_since_epoch(column, vendor=None):
    if (vendor or connection.vendor) == "postgresql":
        return f"({column} - DATE '{EPOCH.isoformat()}')"
    return f"CAST(julianday({column}) - julianday('{EPOCH.isoformat()}') AS INTEGER)"


def week(column, vendor=None):
    """The number of the week holding the date."""
    return f"({days_since_epoch(column, vendor)} / 7)"


def week_from(column, vendor=None):
    """The number of the first week starting on or after the date."""
    return f"(({days_since_epoch(column, vendor)} + 6) / 7)"


def week_code(column, vendor):
    """year * 64 + the date's week's bit in that year's bitmap."""
    w = week(column, vendor)
    if vendor == "postgresql":
        wednesday = f"(DATE '{EPOCH.isoformat()}' + (7 * {w} + 2))"
        year = f"(CAST(EXTRACT(YEAR FROM {wednesday}) AS INTEGER) - CASE WHEN EXTRACT(MONTH FROM {wednesday}) < 9 THEN 1 ELSE 0 END)"
        first = f"((make_date({year}, 9, 1) - DATE '{EPOCH.isoformat()}' + 4) / 7)"
    else:
        wednesday = f"date('{EPOCH.isoformat()}', '+' || (7 * {w} + 2) || ' days')"
        year = f"(CAST(strftime('%Y', {wednesday}) AS INTEGER) - (CAST(strftime('%m', {wednesday}) AS INTEGER) < 9))"
        first = f"((CAST(julianday(printf('%04d-09-01', {year})) - julianday('{EPOCH.isoformat()}') AS INTEGER) + 4) / 7)"
    return f"({year} * 64 + {YEAR_BITS - 1} - ({w} - {first}))"


# (table, its people, their columns in the activity table, activity table, date column)
STUDY = ("engagement_studyweeks", "ect_id", "engagement_studyrecord", "done_on")
COACHING = ("engagement_coachingweeks", "mentor_id, ect_id", "engagement_coachingcycle", "observed_on")
COLUMNS = "weeks, next_weeks, last_on"
LOCK_EACH_UP_TO = 100  # people a statement's trigger locks one by one; more lock the weeks table


def select_weeks(kind, vendor, where):
    """The weeks rows for the activity rows matching `where` (SQL): a row for each year with records in
    it or in the next, holding both years' weeks, and the person's latest record in any year."""
    _, people, source, day = kind
    key = people.split(",")[0]
    bit = "CAST(1 AS BIGINT) << (code % 64)"
    return f"""SELECT hub_id, {people}, academic_year, bit_or(this_year) AS weeks, bit_or(next_year) AS next_weeks,
          MAX(MAX({day})) OVER (PARTITION BY {key}) AS last_on
        FROM (SELECT hub_id, {people}, {day}, code / 64 - k.shift AS academic_year,
                CASE WHEN k.shift = 0 THEN {bit} ELSE 0 END AS this_year, CASE WHEN k.shift = 1 THEN {bit} ELSE 0 END AS next_year
              FROM (SELECT hub_id, {people}, {day}, {week_code(day, vendor)} AS code FROM {source} WHERE {where}) r
              CROSS JOIN (SELECT 0 AS shift UNION ALL SELECT 1) k) r
        GROUP BY hub_id, {people}, academic_year"""


def _refresh(kind, vendor, key, ids):
    """Statements replacing the weeks rows of the people whose `key` (first people column) is in `ids`."""
    table, people, _, _ = kind
    test = f"{key} = ANY({ids})" if vendor == "postgresql" else f"{key} = {ids}"
    return [
        f"DELETE FROM {table} WHERE {test}",
        f"INSERT INTO {table} (hub_id, {people}, academic_year, {COLUMNS}) {select_weeks(kind, vendor, test)}",
    ]


def trigger_sql(vendor):
    """Statements creating the triggers that keep the weeks tables in step with the activity."""
    statements = []
    for kind in (STUDY, COACHING):
        table, people, source, _ = kind
        key = people.split(",")[0]
        name = table.removeprefix("engagement_")
        if vendor == "postgresql":
            statements.append(
                f"""CREATE OR REPLACE FUNCTION engagement_refresh_{name}(ids bigint[]) RETURNS void LANGUAGE sql AS $$
                {"; ".join(_refresh(kind, vendor, key, "ids"))}; $$"""
            )
            # Two transactions writing the same person's activity take turns (an advisory lock per
            # person, or the table for a bulk write, which single writes also wait for), so the
            # second recounts with the first's rows.
            statements.append(
                f"""CREATE OR REPLACE FUNCTION engagement_{name}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE ids bigint[];
                BEGIN
                  IF TG_OP = 'INSERT' THEN ids := ARRAY(SELECT DISTINCT {key} FROM new_rows ORDER BY 1);
                  ELSIF TG_OP = 'DELETE' THEN ids := ARRAY(SELECT DISTINCT {key} FROM old_rows ORDER BY 1);
                  ELSE ids := ARRAY(SELECT {key} FROM old_rows UNION SELECT {key} FROM new_rows ORDER BY 1);
                  END IF;
                  IF cardinality(ids) <= {LOCK_EACH_UP_TO} THEN
                    LOCK TABLE {table} IN ROW EXCLUSIVE MODE;  -- waits for a bulk write's lock
                    PERFORM pg_advisory_xact_lock(hashtext('{table}'), CAST(id % 2147483647 AS integer)) FROM unnest(ids) id;
                  ELSE
                    LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE;
                  END IF;
                  PERFORM engagement_refresh_{name}(ids);
                  RETURN NULL;
                END $$"""
            )
            for event, tables in (("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                  ("DELETE", "OLD TABLE AS old_rows")):
                statements.append(
                    f"""CREATE TRIGGER {source}_{name}_{event.lower()} AFTER {event} ON {source}
                    REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION engagement_{name}_changed()"""
                )
        else:
            for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])):
                body = "; ".join(s for row in rows for s in _refresh(kind, vendor, key, f"{row}.{key}"))
                statements.append(f"CREATE TRIGGER {source}_{name}_{event.lower()} AFTER {event} ON {source} BEGIN {body}; END")
    return statements


def drop_trigger_sql(vendor):
    statements = []
    for table, _, source, _ in (STUDY, COACHING):
        name = table.removeprefix("engagement_")
        for event in ("insert", "update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS {source}_{name}_{event}" + (f" ON {source}" if vendor == "postgresql" else ""))
        if vendor == "postgresql":
            statements.append(f"DROP FUNCTION IF EXISTS engagement_{name}_changed()")
            statements.append(f"DROP FUNCTION IF EXISTS engagement_refresh_{name}(bigint[])")
    return statements


def drop_triggers(apps, schema_editor):
    """Migration step: drop the weeks triggers before an operation that rebuilds an activity table."""
    with schema_editor.connection.cursor() as cursor:
        for statement in drop_trigger_sql(schema_editor.connection.vendor):
            cursor.execute(statement)


def reinstall_triggers(apps, schema_editor):
    """Migration step: install the weeks triggers again (SQLite rebuilds a table to change its
    constraints, which drops its triggers)."""
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for statement in drop_trigger_sql(vendor) + trigger_sql(vendor):
            cursor.execute(statement)


def rebuild(cursor, vendor=None):
    """Rebuild both weeks tables from every activity row."""
    vendor = vendor or connection.vendor
    for kind in (STUDY, COACHING):
        table, people, _, _ = kind
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} (hub_id, {people}, academic_year, {COLUMNS}) {select_weeks(kind, vendor, '1 = 1')}")
