"""Nudges on the pages of the apps below (a person's page, a school's page, the Lead dashboard), which
know nothing of nudges: their templates load these tags."""

import uuid
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone

from ectprogramme.formats import human_date
from nudges import manual, pauses, queries

register = template.Library()


@register.simple_tag(takes_context=True)
def may_nudge(context, person):
    """Whether the viewer may send `person` a nudge or praise of their own."""
    return manual.school_to_nudge_about(context["viewer"], person) is not None


@register.inclusion_tag("nudges/school_panel.html", takes_context=True)
def school_nudges(context, school, can_manage):
    """A school's pause of automatic nudges (with its buttons for those who manage the school) and the
    people there who opted out."""
    today = timezone.localdate()
    return {
        "school": school,
        "can_manage": can_manage,
        "pause": pauses.current_pause(school, today),
        "opted_out": list(queries.opted_out_at(school)),
        "csrf_token": context.get("csrf_token"),
    }


NOT_NUDGED = ("left", "completed")  # engagement statuses of people a tutor no longer nudges


@register.simple_tag(takes_context=True)
def with_nudges(context, rows, school):
    """The Lead dashboard's `rows` (`engagement.dashboards.person_rows`) with when each person was last
    nudged and praised (`last_nudged`, `last_praised`: text, or None) and, for the school's tutors and
    hub staff, the link to nudge or praise them (`nudge_url`, back to this page). One query."""
    viewer = context["viewer"]
    sent = queries.last_sent(school.hub_id, [row["person_code"] for row in rows if row["person_code"]])
    may_nudge = viewer.is_hub_staff or school.id in viewer.tutor_school_ids
    back = urlencode({"next": context["request"].get_full_path()})
    prefix, suffix = reverse("nudges:manual", args=[uuid.UUID(int=0)]).split(str(uuid.UUID(int=0)))  # one reverse for the page
    shown = []
    for row in rows:
        last = sent.get(row["person_code"], {})
        nudgeable = may_nudge and row["person_code"] and row["status"] not in NOT_NUDGED
        shown.append({
            **row,
            "last_nudged": _day(last.get("nudge")),
            "last_praised": _day(last.get("praise")),
            "nudge_url": f"{prefix}{row['person_code']}{suffix}?{back}" if nudgeable else None,
        })
    return shown


def _day(moment):
    return human_date(timezone.localtime(moment)) if moment else None


@register.inclusion_tag("nudges/dashboard_notice.html")
def school_nudge_notice(school):
    """On the Lead dashboard: the school's pause of automatic nudges, and how many of its people opted out."""
    paused_until, opted_out = queries.school_notice(school, timezone.localdate())
    return {"school": school, "paused_until": paused_until, "opted_out": opted_out}
