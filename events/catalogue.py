"""The programme's events, shipped as data (`events/data/events.csv`) and copied into every hub.

Each hub has its own `Event` rows so it can choose, per event, whether participants book their own
session, what a missed clinic's catch-up is, and whether attendance is expected. `sync_catalogue`
is idempotent: it adds missing events and refreshes the catalogue's own facts (title, kind,
audience, programme, year, half term) but never touches the hub's choices and never deletes an
event. Mentor events fall in the first half term of the term RULES.md gives them (term 1, 2, 3).
"""

import csv
from pathlib import Path

from events.models import Event
from schools.scoping import hub_scope

CATALOGUE = Path(__file__).resolve().parent / "data" / "events.csv"
# What the catalogue owns (refreshed on every sync); everything else is the hub's choice.
CATALOGUE_FIELDS = ("title", "kind", "audience", "programme", "ect_year", "half_term")


def catalogue_rows():
    """The catalogue's events as field dicts, in file order."""
    with open(CATALOGUE, newline="", encoding="utf-8") as handle:
        return [
            {
                "event_code": row["event_code"],
                "title": row["title"],
                "kind": row["kind"],
                "audience": row["audience"],
                "programme": row["programme"],
                "ect_year": int(row["ect_year"]) if row["ect_year"] else None,
                "attendance_expected": row["attendance_expected"] == "true",
                "half_term": row["half_term"],
            }
            for row in csv.DictReader(handle)
        ]


def catalogue_codes():
    return {row["event_code"] for row in catalogue_rows()}


def sync_events(Event, hub_id):
    """Create or refresh the catalogue's events for one hub (the model is passed in for migrations).
    Returns (created, updated)."""
    existing = {event.event_code: event for event in Event.objects.filter(hub_id=hub_id)}
    created = updated = 0
    for row in catalogue_rows():
        event = existing.get(row["event_code"])
        if event is None:
            Event.objects.create(
                hub_id=hub_id, from_catalogue=True, self_booking=row["kind"] == "clinic", **row
            )
            created += 1
            continue
        changed = [name for name in CATALOGUE_FIELDS if getattr(event, name) != row[name]]
        if changed or not event.from_catalogue:
            for name in changed:
                setattr(event, name, row[name])
            event.from_catalogue = True
            event.save(update_fields=[*changed, "from_catalogue"])
            updated += 1
    return created, updated


def sync_catalogue(hub):
    """Copy the programme's events into `hub` (idempotent). Returns (created, updated)."""
    with hub_scope(hub):
        return sync_events(Event, hub.pk)
