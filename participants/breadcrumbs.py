"""Breadcrumbs: where a school's or a person's page sits, as the viewer reaches it.

Hub staff come down from the hub's schools (or its people, for someone at no school); an
induction tutor from their school's Lead dashboard; a mentor from their ECTs. Someone looking at
their own pages has the main navigation and gets no trail.
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str


def _sees_school(viewer, school):
    return viewer.is_hub_staff or school.id in viewer.tutor_school_ids


def above_school(viewer, school):
    """The trail above a school's page."""
    if viewer.is_hub_staff:
        return [Crumb("Schools", reverse("hub_overview"))]
    if school.id in viewer.tutor_school_ids:
        return [Crumb("Lead dashboard", reverse("lead_dashboard", args=[school.code]))]
    return []


def in_school(viewer, school):
    """The trail above a page inside a school (its coaching, someone there): down to the school."""
    if not _sees_school(viewer, school):
        return []
    return [*above_school(viewer, school), Crumb(school.name, reverse("school_detail", args=[school.code]))]


def above_person(viewer, person, schools=(), ect_ids=()):
    """The trail above a person's page, through the first of `schools` (the schools of their roles)
    the viewer sees; `ect_ids` are their ECT records (a mentor sees their own ECTs)."""
    if viewer.person is not None and person.pk == viewer.person.pk:
        return []
    for school in schools:
        if _sees_school(viewer, school):
            return in_school(viewer, school)
    if viewer.is_hub_staff:
        return [Crumb("People", reverse("people_list"))]
    if any(ect_id in viewer.mentee_ect_ids for ect_id in ect_ids):
        return [Crumb("My ECTs", reverse("mentor_home"))]
    return []


def in_person(viewer, person, schools=(), ect_ids=()):
    """The trail above one of a person's pages (an ECT's study, say): down to the person."""
    above = above_person(viewer, person, schools, ect_ids)
    return [*above, Crumb(str(person), reverse("person_detail", args=[person.code]))] if above else []
