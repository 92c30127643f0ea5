"""Onboarding status: who was invited, sent a set-up e-mail, and has signed in, as one hub sees it.

A sign-in belongs to one membership: it is recorded on the `Person` of the hub that is active when
the person signs in (`record_sign_in`, from allauth's `user_logged_in`), when they switch to a hub and
when they confirm a membership. The account's own `last_login` is never shown: it would tell one hub
when someone used another. An unconfirmed membership has never been signed in with (confirming it
records the first sign-in). Memberships older than this record took the account's `last_login` only
when the account had no other confirmed membership (migration `participants.0010`).

Set-up e-mails to everyone who never signed in go at most once a day to each person: each has an
`Invitation` keyed by person and day, inserted in bulk (a second request the same day inserts
nothing), and each is sent once by the task that claims it (`setup_emails.send_invitation`).
"""

import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ectprogramme import queueing
from ectprogramme.hub_cache import hub_changed
from ectprogramme.sql import with_lists
from participants.models import InductionTutor, Invitation, Mentor, Person, PersonChange
from participants.queries import PEOPLE_AT_SCHOOLS_SQL


def record_sign_in(person, now=None):
    """Note that `person` signed in with their hub active (first and last sign-in)."""
    if person is None or not person.is_confirmed:
        return
    now = now or timezone.now()
    Person.objects.with_scopes_disabled().filter(pk=person.pk).update(
        first_signed_in_at=Coalesce("first_signed_in_at", now), last_signed_in_at=now
    )
    if person.last_signed_in_at is None:  # a first sign-in: one fewer who never signed in
        hub_changed(person.hub_id)


def on_user_logged_in(sender, request, user, **kwargs):
    """allauth/Django's `user_logged_in`: record the sign-in on the membership that becomes active."""
    from participants.tenancy import active_membership

    person, _ = active_membership(user, getattr(request, "session", None) or {})
    record_sign_in(person)


def never_signed_in():
    """The condition on `Person` for someone who never signed in with this hub."""
    return Q(last_signed_in_at__isnull=True) | Q(confirmed_at__isnull=True)


def people_in_care(school_ids):
    """People of the hub (inside its scope) with a current role at the schools, or everyone in the
    hub with `school_ids` None (hub staff)."""
    if school_ids is None:
        return Person.objects.all()
    today = timezone.localdate()
    return Person.objects.filter(
        pk__in=Person.objects.filter(
            Q(ect_roles__school_id__in=school_ids, ect_roles__statuses__finished_on__isnull=True,
              ect_roles__statuses__status__in=["active", "paused"])
            | Q(mentor_roles__in=Mentor.objects.filter(school_id__in=school_ids).current(today))
            | Q(tutor_roles__in=InductionTutor.objects.filter(school_id__in=school_ids).current(today))
        ).values("pk")
    )


def with_status(people):
    """`people` with `invited_at` (their first set-up e-mail asked for) and `setup_sent_at` (the last
    one sent), by name; first and last sign-in are on the row."""
    invitations = Invitation.objects.filter(person=OuterRef("pk")).order_by().values("person")
    return (
        people.select_related("user")
        .annotate(
            invited_at=Subquery(invitations.annotate(at=Min("created_at")).values("at")[:1]),
            setup_sent_at=Subquery(invitations.annotate(at=Max("sent_at")).values("at")[:1]),
        )
        .order_by("last_name", "first_name", "pk")
    )


def day_key(person, day):
    return f"setup:{person.code}:{day.isoformat()}"


@dataclass(frozen=True)
class BulkSend:
    """What `send_setup_emails` did: queued, and why the others were skipped."""

    queued: int
    signed_in: int
    already_today: int


def send_setup_emails(people, actor, now=None):
    """Queue a set-up e-mail to each of `people` who never signed in with the hub, at most one per
    person per (London) day. People who signed in are skipped, and so is anyone already sent one in
    bulk today. A constant number of queries (plus one task queued per e-mail on commit)."""
    from participants.tasks import send_setup_email

    now = now or timezone.now()
    today = timezone.localdate(now)
    people = list(people.select_related("hub").order_by("pk"))
    signed_in = [person for person in people if not (person.last_signed_in_at is None or person.confirmed_at is None)]
    waiting = [person for person in people if person.last_signed_in_at is None or person.confirmed_at is None]
    if not waiting:
        return BulkSend(0, len(signed_in), 0)
    batch = uuid.uuid4()
    with transaction.atomic():
        Invitation.objects.bulk_create(
            [
                Invitation(hub=person.hub, person=person, sent_by=actor, key=day_key(person, today), batch=batch)
                for person in waiting
            ],
            ignore_conflicts=True,
        )
        made = list(Invitation.objects.filter(batch=batch).values_list("pk", "person_id"))
        made_for = {person_id for _, person_id in made}
        PersonChange.objects.bulk_create(
            [
                PersonChange(hub=person.hub, person=person, actor=actor, summary="Set-up e-mail requested", at=now)
                for person in waiting
                if person.pk in made_for
            ]
        )
        for invitation_id, _ in made:
            queueing.on_commit(send_setup_email, invitation_id)
    return BulkSend(len(made), len(signed_in), len(waiting) - len(made))


def never_signed_in_by_school(school_ids):
    """{school id: how many people with a current role there never signed in with the hub}, for the
    schools given (one statement; someone with two roles at a school counts once)."""
    sql = f"""
        SELECT roles.school_id, count(*) FROM ({PEOPLE_AT_SCHOOLS_SQL}) roles
        JOIN participants_person person ON person.id = roles.person_id
        WHERE person.last_signed_in_at IS NULL OR person.confirmed_at IS NULL
        GROUP BY roles.school_id
    """
    sql, params = with_lists(sql, {"today": timezone.localdate()}, schools=list(school_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
