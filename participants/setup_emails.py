"""Set-up e-mails: a link that lets an invited or imported person choose a password."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ectprogramme import emails
from participants.models import Invitation
from schools.scoping import scopes_disabled


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
        user = invitation.person.user
        emails.send(
            "setup",
            user.email,
            {"user": user, "hub": invitation.person.hub, "sent_by": invitation.sent_by, "link": setup_link(user)},
        )
    return True
