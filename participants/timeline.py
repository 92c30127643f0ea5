"""One timeline per person: every change to their record and roles and every piece of their activity,
newest first, paged and filterable by kind.

The timeline is a merge of small querysets, one per source. `participants` knows only its own
source (`PersonChange`); the apps above it register theirs (`register`) from their `AppConfig.ready`
— engagement its study, coaching and formal observations, nudges the messages — since this app may
not import them. A source is one function `entries(person, school_ids, limit, viewer)` returning at
most `limit` `Entry`s, newest first, in one query: with `school_ids` (a viewer who sees only some
schools' part of the person, `access.person_school_ids`) only what concerns those schools. A page
asks every source for the newest `number * size + 1` entries, so each page costs one query per
source however long the timeline.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

PAGE_SIZE = 25


@dataclass(frozen=True)
class Entry:
    """One line of a timeline: when, what (`summary`, linked to `url` when there is one) and who did
    it (`by`: "by NAME", "automatic", "by the system")."""

    at: datetime
    kind: str
    summary: str
    by: str
    url: str = ""


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    entries: object


SOURCES = {}


def register(kind, label, entries):
    """Add a source of entries (`kind` is the filter's value, `label` what the filter shows)."""
    SOURCES[kind] = Source(kind, label, entries)


def kinds():
    """[(kind, label)] of every registered source, in the order they were registered."""
    return [(source.kind, source.label) for source in SOURCES.values()]


def by_name(name, actor_known=True):
    """The "who did it" of an entry whose actor is `name` (the hub's name for them)."""
    if not actor_known:
        return "by the system"
    return f"by {name}" if name and name.strip() else "by someone outside the hub"


@dataclass(frozen=True)
class TimelinePage:
    entries: list
    number: int
    has_older: bool
    kind: str


def page(person, school_ids, viewer, kind="", number=1, size=PAGE_SIZE):
    """Page `number` (1: the newest) of the person's timeline, of one `kind` or all of them."""
    number = max(1, number)
    sources = [SOURCES[kind]] if kind in SOURCES else list(SOURCES.values())
    wanted = number * size + 1
    merged = sorted(
        (entry for source in sources for entry in source.entries(person, school_ids, wanted, viewer)),
        key=lambda entry: entry.at,
        reverse=True,
    )
    return TimelinePage(merged[(number - 1) * size:number * size], number, len(merged) > number * size, kind if kind in SOURCES else "")


def person_changes(person, school_ids, limit, viewer):
    """Changes to the person's record and roles (`PersonChange`)."""
    from participants.queries import timeline

    at_schools = Q() if school_ids is None else Q(school_id__in=school_ids)
    return [
        Entry(change.at, "changes", change.summary, by_name(change.actor_name, change.actor_id is not None))
        for change in timeline(person).filter(at_schools).order_by("-at", "-id")[:limit]
    ]


register("changes", "Record and roles", person_changes)
