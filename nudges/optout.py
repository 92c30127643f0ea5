"""Stopping automatic nudges: a signed unsubscribe token naming a person of a hub, and opting out.

The token is signed with the project's secret (so it cannot be made up) and names the hub and the
person; it is only honoured for a person of the hub it names, so a token naming another hub's
person does nothing. It does not expire: an unsubscribe link must keep working (RFC 8058). Opting
out stops automatic nudges only: operational e-mails (bookings, sign-in) and a tutor's own nudge
still go.
"""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from nudges.models import OptOut
from participants.models import Person
from participants.services import record_change
from schools.models import Hub
from schools.scoping import hub_scope

SALT = "nudges.unsubscribe"


def make_token(person):
    return signing.dumps({"hub": str(person.hub.code), "person": str(person.code)}, salt=SALT, compress=True)


def unsubscribe_url(person):
    return settings.SITE_URL + reverse("nudge_unsubscribe", args=[make_token(person)])


def person_for(token):
    """The person the token names, or None (a bad signature, or no such person in the hub it names)."""
    try:
        data = signing.loads(token, salt=SALT)
        hub = Hub.objects.get(code=data["hub"])
    except (signing.BadSignature, Hub.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    with hub_scope(hub):
        return Person.objects.filter(hub=hub, code=data["person"]).select_related("hub", "user").first()


def opt_out(person, via):
    """Stop automatic nudges to `person`; True if they had not opted out already."""
    try:
        with transaction.atomic():
            OptOut.objects.create(hub=person.hub, person=person, via=via)
    except IntegrityError:
        return False
    record_change(person, None, "Stopped automatic nudges (unsubscribe link)")
    return True


def opt_back_in(person, actor):
    """Let automatic nudges reach `person` again (their tutor, hub staff, or themselves)."""
    deleted, _ = OptOut.objects.filter(hub=person.hub, person=person).delete()
    if deleted:
        record_change(person, actor, "Automatic nudges switched back on")
    return bool(deleted)
