"""Links that let an account's owner confirm a hub's membership of their account.

A hub that adds an address whose account someone already owns gets an unconfirmed `Person`
(`services.get_or_create_person`); the owner confirms it from a signed link e-mailed to the account's
address. The link names the membership and the account it was sent to, expires after
`MAX_AGE`, and works once (a confirmed membership stays confirmed).
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from participants.models import Person

SALT = "participants.membership-confirmation"
MAX_AGE = datetime.timedelta(days=14)


class InvalidLink(Exception):
    """A link that was not made here, or names a membership that no longer exists."""


class ExpiredLink(Exception):
    """A genuine link older than `MAX_AGE`."""


def make_token(person):
    return signing.dumps({"person": str(person.code), "user": person.user_id}, salt=SALT)


def confirm_link(person):
    return settings.SITE_URL + reverse("membership_confirm", kwargs={"token": make_token(person)})


def person_for_token(token):
    """The membership a token confirms (in any hub); raises `InvalidLink` or `ExpiredLink`."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ExpiredLink from None
    except signing.BadSignature:
        raise InvalidLink from None
    person = (
        Person.objects.with_scopes_disabled()
        .filter(code=data.get("person"), user_id=data.get("user"))
        .select_related("hub", "user")
        .first()
    )
    if person is None:
        raise InvalidLink
    return person
