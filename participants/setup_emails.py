"""Set-up e-mails: a link that lets an invited or imported person choose a password.

For an unconfirmed membership (an account someone already owns) the e-mail asks the owner to
confirm joining the hub instead (`participants.confirmations`); the account is not touched.
"""

import datetime
import logging

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ectprogramme import emails
from participants.confirmations import confirm_link
from participants.models import Invitation, Person
from schools.scoping import scopes_disabled

logger = logging.getLogger(__name__)

# The sweep leaves fresh invitations to the task queued with them, and gives up on old ones.
UNSENT_AFTER = datetime.timedelta(minutes=5)
UNSENT_GIVE_UP_AFTER = datetime.timedelta(days=3)


def setup_link(user):
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL + path


def send_invitation(invitation_id):
    """Send the invitation's e-mail once: claim it (sent_at NULL → now) and send only if claimed.

    A send that fails rolls the claim back, so a retry can send it.
    """
    with scopes_disabled(), transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation_id, sent_at__isnull=True).update(sent_at=timezone.now())
        if not claimed:
            return False
        invitation = Invitation.objects.select_related("person__user", "person__hub", "sent_by").get(pk=invitation_id)
        person = invitation.person
        sender = Person.objects.filter(hub=person.hub, user=invitation.sent_by).first() if invitation.sent_by else None
        context = {"person": person, "user": person.user, "hub": person.hub, "sent_by": sender}
        if person.is_confirmed:
            emails.send("setup", person.user.email, {**context, "link": setup_link(person.user)})
        else:
            emails.send("membership-confirm", person.user.email, {**context, "link": confirm_link(person)})
    return True


def send_unsent(now=None):
    """Send the invitations whose e-mail never went (the broker refused the task, or every retry
    failed): those requested more than `UNSENT_AFTER` ago and less than `UNSENT_GIVE_UP_AFTER`.
    Each is claimed before it is sent, so this is safe alongside the queued tasks. Returns how
    many were sent.
    """
    now = now or timezone.now()
    with scopes_disabled():
        ids = list(
            Invitation.objects.filter(
                sent_at__isnull=True, created_at__lte=now - UNSENT_AFTER, created_at__gt=now - UNSENT_GIVE_UP_AFTER
            ).values_list("pk", flat=True)
        )
    sent = 0
    for invitation_id in ids:
        try:
            sent += send_invitation(invitation_id)
        except Exception:
            logger.exception("Set-up e-mail of invitation %s failed; the next sweep tries again", invitation_id)
    return sent
