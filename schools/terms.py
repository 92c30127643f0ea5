"""A hub's term dates: validating, importing, editing and copying a year forward.

An academic year (named by its starting year) has six half terms, in order autumn1 … summer2,
each with a first and last day; they may not overlap or run out of order, and all fall between
1 August of the starting year and 31 August of the next. Everything between them is holiday.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db import transaction

from ectprogramme.formats import human_date
from schools.models import HALF_TERM_ORDER, HalfTerm, HalfTermName

COLUMNS = ("academic_year", "half_term", "start_date", "end_date")
COPY_SHIFT = datetime.timedelta(weeks=52)  # keeps every date on the same weekday


class TermDatesError(Exception):
    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def label(name):
    return HalfTermName(name).label


def validate_year(academic_year, dates):
    """Problems with one year's half terms as (half-term name or None, column, message).

    `dates` maps half-term name → (start, end).
    """
    problems = []
    missing = [label(name) for name in HALF_TERM_ORDER if name not in dates]
    if missing:
        problems.append((None, "half_term", f"is missing {', '.join(missing)} (a year has six half terms)"))
    earliest, latest = datetime.date(academic_year, 8, 1), datetime.date(academic_year + 1, 8, 31)
    previous = None
    for name in HALF_TERM_ORDER:
        if name not in dates:
            continue
        start, end = dates[name]
        if end < start:
            problems.append((name, "end_date", f"{label(name)} ends ({human_date(end)}) before it starts ({human_date(start)})"))
        if start < earliest or end > latest:
            problems.append(
                (name, "start_date" if start < earliest else "end_date",
                 f"{label(name)} must fall between {human_date(earliest)} and {human_date(latest)} for the {academic_year}/{str(academic_year + 1)[-2:]} year")
            )
        if previous and start <= previous[2]:
            problems.append(
                (name, "start_date",
                 f"{label(name)} starts on {human_date(start)}, before {label(previous[0])} ends ({human_date(previous[2])}): "
                 "half terms must be in order and may not overlap")
            )
        previous = (name, start, end)
    return problems


def _messages(academic_year, problems):
    return [f"{academic_year} {message}" for _, _, message in problems]


def _check_neighbours(hub, academic_year, dates, pending):
    """The year must start after the previous year ends and end before the next one starts."""
    errors = []
    first, last = dates.get("autumn1", (None,))[0], dates.get("summer2", (None, None))[1]
    neighbours = {**{y: d for y, d in _stored_years(hub).items()}, **pending}
    before, after = neighbours.get(academic_year - 1), neighbours.get(academic_year + 1)
    if first and before and "summer2" in before and first <= before["summer2"][1]:
        errors.append(f"{academic_year} Autumn 1: starts before {academic_year - 1} Summer 2 ends ({human_date(before['summer2'][1])})")
    if last and after and "autumn1" in after and last >= after["autumn1"][0]:
        errors.append(f"{academic_year} Summer 2: ends after {academic_year + 1} Autumn 1 starts ({human_date(after['autumn1'][0])})")
    return errors


def _stored_years(hub):
    years = {}
    for half_term in HalfTerm.objects.filter(hub=hub):
        years.setdefault(half_term.academic_year, {})[half_term.name] = (half_term.start_date, half_term.end_date)
    return years


@transaction.atomic
def save_year(hub, academic_year, dates, pending=None):
    """Validate and store one year's six half terms, replacing any dates it had."""
    errors = _messages(academic_year, validate_year(academic_year, dates)) or _check_neighbours(
        hub, academic_year, dates, pending or {}
    )
    if errors:
        raise TermDatesError(errors)
    for name, (start, end) in dates.items():
        HalfTerm.objects.update_or_create(
            hub=hub, academic_year=academic_year, name=name, defaults={"start_date": start, "end_date": end}
        )


def years(hub):
    """{academic_year: [HalfTerm, …in order]} for the hub."""
    result = {}
    for half_term in HalfTerm.objects.filter(hub=hub).order_by("academic_year", "start_date"):
        result.setdefault(half_term.academic_year, []).append(half_term)
    return result


def copy_forward(hub):
    """The year after the hub's last year as (academic year, {half-term name: (first day, last day)}):
    the last year's dates 52 weeks later (same weekdays), for the hub to check and save with
    `save_year`. Nothing is stored here: Easter moves, so a copy is a draft until someone checks it."""
    stored = _stored_years(hub)
    if not stored:
        raise TermDatesError(["There is no year to copy from: add or import this year's term dates first."])
    last = max(stored)
    return last + 1, {name: (start + COPY_SHIFT, end + COPY_SHIFT) for name, (start, end) in stored[last].items()}


@dataclass
class TermImportResult:
    years: list = field(default_factory=list)
    half_terms: int = 0
    changed: int = 0


def import_terms(hub, data: bytes):
    """Import `academic_year,half_term,start_date,end_date` rows: all or nothing.

    Problems are listed as `line N: column: message`; a year's own problems name its half terms.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TermDatesError([f"line 1: file: not UTF-8 text ({error.reason} at byte {error.start})"]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise TermDatesError([f"line 1: {column}: missing column" for column in missing])
    reader.fieldnames = header
    errors, pending, lines = [], {}, {}
    for row in reader:
        line = reader.line_num
        values = {k: (row.get(k) or "").strip() for k in COLUMNS}
        if not any(values.values()):
            continue
        row_errors = []
        try:
            year = int(values["academic_year"])
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            row_errors.append(f"line {line}: academic_year: {values['academic_year']!r} is not a starting year such as 2025")
        name = values["half_term"].lower()
        if name not in HALF_TERM_ORDER:
            row_errors.append(f"line {line}: half_term: {values['half_term']!r} is not one of {', '.join(HALF_TERM_ORDER)}")
        parsed = {}
        for column in ("start_date", "end_date"):
            try:
                parsed[column] = datetime.date.fromisoformat(values[column])
            except ValueError:
                row_errors.append(f"line {line}: {column}: {values[column]!r} is not a date (YYYY-MM-DD)")
        if not row_errors and name in pending.get(year, {}):
            row_errors.append(f"line {line}: half_term: {year} {name} appears twice")
        errors += row_errors
        if not row_errors:
            pending.setdefault(year, {})[name] = (parsed["start_date"], parsed["end_date"])
            lines[year, name] = line
    if not pending and not errors:
        errors.append("line 1: file: no term dates found")
    for year, dates in sorted(pending.items()):
        for name, column, message in validate_year(year, dates):
            errors.append(f"line {lines.get((year, name), 1)}: {column}: {year} {message}")
    if errors:
        raise TermDatesError(errors)
    stored = _stored_years(hub)
    result = TermImportResult(years=sorted(pending))
    with transaction.atomic():
        for year, dates in sorted(pending.items()):
            errors += _check_neighbours(hub, year, dates, pending)
            result.half_terms += len(dates)
            result.changed += sum(1 for name, value in dates.items() if stored.get(year, {}).get(name) != value)
            if not errors:
                save_year(hub, year, dates, pending)
        if errors:
            transaction.set_rollback(True)
            raise TermDatesError(errors)
    return result
