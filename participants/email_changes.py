"""Changes of a person's sign-in e-mail asked for by hub staff or a tutor.

The account is the person's own, shared by every hub they are in, so a change is only a request
until the owner of the new address confirms it: the new address gets a link (a GET shows a page
with a button, the POST confirms: mail scanners open links), the old address is told who asked,
from which hub, and gets a link to cancel, then a notice once it is confirmed. Links are signed,
expire after `settings.EMAIL_CHANGE_MAX_AGE` seconds and work once. Sessions stay valid.
"""

import datetime
import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ectprogramme import emails, queueing
from participants.accounts import is_address_taken, set_primary_address
from participants.models import EmailChange, Person, User
from participants.services import record_change, repoint_unconfirmed
from participants.setup_emails import UNSENT_AFTER
from participants.tasks import send_email_change_mails, send_email_changed_notice
from schools.scoping import scopes_disabled

CONFIRM = "confirm"
CANCEL = "cancel"
_SALT = "participants.email_changes."
logger = logging.getLogger(__name__)


class LinkNotValid(Exception):
    """A link that was forged, has expired, or whose change is no longer pending."""


def make_token(change, action):
    return signing.dumps(str(change.code), salt=_SALT + action)


def link(change, action):
    name = "email_change_confirm" if action == CONFIRM else "email_change_cancel"
    return settings.SITE_URL + reverse(name, kwargs={"token": make_token(change, action)})


def pending_change(person):
    """The change of `person`'s e-mail waiting for confirmation, if any."""
    return person.email_changes.filter(confirmed_at__isnull=True, cancelled_at__isnull=True).select_related("requested_by").first()


@transaction.atomic
def request_email_change(person, actor, new_email):
    """Ask for `person`'s sign-in e-mail to become `new_email`; nothing changes until it is confirmed.

    A new request replaces the person's earlier pending one. Returns the change, or None when the
    address is already theirs.
    """
    user = person.user
    new_email = User.objects.normalize_email(new_email).strip().lower()
    if new_email == user.email:
        return None
    if not person.is_confirmed:  # the hub's own record of someone who has not joined: no account changes
        repoint_unconfirmed(person, actor, new_email)
        return None
    if is_address_taken(new_email, user) and Person.objects.filter(hub=person.hub, user__email__iexact=new_email).exists():
        raise ValidationError({"email": "Someone in this hub already uses this e-mail address."})
    # An address another hub's account uses is asked for like any other (the hub learns nothing
    # about other hubs); no confirmation link goes there (`send_mails`), so nothing changes.
    now = timezone.now()
    person.email_changes.filter(confirmed_at__isnull=True, cancelled_at__isnull=True).update(cancelled_at=now)
    change = EmailChange.objects.create(
        hub=person.hub, person=person, old_email=user.email, new_email=new_email, requested_by=actor, requested_at=now
    )
    record_change(person, actor, f"E-mail change to {new_email} requested: waiting for confirmation from that address")
    queueing.on_commit(send_email_change_mails, change.pk)
    return change


def send_mails(change_id):
    """Mail the confirmation link to the new address and the notice to the old one, once: claim the
    change (notified_at NULL → now) and send only if claimed; a failed send rolls the claim back."""
    with scopes_disabled(), transaction.atomic():
        if not EmailChange.objects.filter(pk=change_id, notified_at__isnull=True).update(notified_at=timezone.now()):
            return False
        change = EmailChange.objects.select_related("person__user", "hub", "requested_by").get(pk=change_id)
        context = {"change": change, "user": change.person.user, "hub": change.hub, "expires_at": expires_at(change)}
        if not is_address_taken(change.new_email, change.person.user):
            emails.send("email-change-confirm", change.new_email, {**context, "link": link(change, CONFIRM)})
        emails.send("email-change-requested", change.old_email, {**context, "link": link(change, CANCEL)})
    return True


def send_confirmed_notice(change_id):
    """Tell the old address that the change was confirmed (once, claimed like `send_mails`)."""
    with scopes_disabled(), transaction.atomic():
        claimed = EmailChange.objects.filter(
            pk=change_id, confirmed_at__isnull=False, confirmation_notified_at__isnull=True
        ).update(confirmation_notified_at=timezone.now())
        if not claimed:
            return False
        change = EmailChange.objects.select_related("person__user", "hub", "requested_by").get(pk=change_id)
        emails.send("email-changed", change.old_email, {"change": change, "user": change.person.user, "hub": change.hub})
    return True


def expires_at(change):
    return change.requested_at + datetime.timedelta(seconds=settings.EMAIL_CHANGE_MAX_AGE)


def change_for_token(token, action):
    """The pending change a link is for; `LinkNotValid` if it is forged, expired, used or out of date."""
    try:
        code = signing.loads(token, salt=_SALT + action, max_age=settings.EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature
        raise LinkNotValid from error
    with scopes_disabled():
        change = EmailChange.objects.select_related("person__user", "person__hub", "requested_by").filter(code=code).first()
    if change is None or not change.is_pending or change.person.user.email != change.old_email:
        raise LinkNotValid
    return change


def _close(change, **when):
    """Claim the pending change for one outcome (confirmed or cancelled): `LinkNotValid` if it was
    closed meanwhile, so two clicks, or a confirm and a cancel at once, close it once."""
    if not EmailChange.objects.filter(pk=change.pk, confirmed_at__isnull=True, cancelled_at__isnull=True).update(**when):
        raise LinkNotValid


@transaction.atomic
def confirm_email_change(token):
    """Confirm from the new address: the account signs in with it from now on, proven."""
    change = change_for_token(token, CONFIRM)
    with scopes_disabled():
        _close(change, confirmed_at=timezone.now())
        user = User.objects.select_for_update().get(pk=change.person.user_id)
        if user.email != change.old_email:
            raise LinkNotValid
        if is_address_taken(change.new_email, user):
            raise LinkNotValid
        user.email = change.new_email
        user.save(update_fields=["email"])
        set_primary_address(user, verified=True)
        EmailChange.objects.filter(person__user=user, confirmed_at__isnull=True, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
        record_change(change.person, user, f"E-mail changed from {change.old_email} to {change.new_email} (confirmed from the new address)")
    queueing.on_commit(send_email_changed_notice, change.pk)
    return change


@transaction.atomic
def cancel_email_change(token):
    """Cancel from the old address: the owner did not want it."""
    change = change_for_token(token, CANCEL)
    with scopes_disabled():
        _close(change, cancelled_at=timezone.now())
        record_change(change.person, change.person.user, f"E-mail change to {change.new_email} cancelled from the old address")
    return change


def send_unsent(now=None):
    """Send the mails whose task was never queued (see `ectprogramme.queueing`): the links of pending
    changes asked for more than `UNSENT_AFTER` ago and not yet expired, and the notice of changes
    confirmed that long ago. Each is claimed before it is sent. Returns how many changes were mailed."""
    now = now or timezone.now()
    before = now - UNSENT_AFTER
    with scopes_disabled():
        pending = EmailChange.objects.filter(
            notified_at__isnull=True, confirmed_at__isnull=True, cancelled_at__isnull=True,
            requested_at__lte=before, requested_at__gt=now - datetime.timedelta(seconds=settings.EMAIL_CHANGE_MAX_AGE),
        )
        confirmed = EmailChange.objects.filter(confirmation_notified_at__isnull=True, confirmed_at__lte=before)
        work = [(send_mails, pk) for pk in pending.values_list("pk", flat=True)]
        work += [(send_confirmed_notice, pk) for pk in confirmed.values_list("pk", flat=True)]
    sent = 0
    for send, change_id in work:
        try:
            sent += send(change_id)
        except Exception:
            logger.exception("E-mail change %s: %s failed; the next sweep tries again", change_id, send.__name__)
    return sent
