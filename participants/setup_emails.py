"""Set-up e-mails: a link that lets an invited or imported person choose a password.

For an unconfirmed membership (an account someone already owns) the e-mail asks the owner to
confirm joining the hub instead (`participants.confirmations`); the account is not touched.
"""

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
