"""Nudges on the pages of the apps below (a person's page, a school's page, the Lead dashboard), which
know nothing of nudges: their templates load these tags."""

from django import template
from django.utils import timezone

from nudges import manual, pauses, queries

register = template.Library()


@register.simple_tag
def timeline_with_messages(person, changes, school_ids=None):
    """The person's timeline (`changes`) with every message to or about them, newest first."""
    return queries.timeline(changes, queries.person_messages(person, school_ids))


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
