"""django-allauth customisation: invite-only accounts (no public sign-up), reset links to the sign-in
address only, one's own address changed only through a confirmed change (`ACCOUNT_CHANGE_EMAIL`),
and the second factor kept by hub staff."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.views import EmailView
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect

from participants.mfa import mfa_required_in_any_hub


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def can_delete_email(self, email_address):
        """Never the address the account signs in with: allauth would fall back to another, maybe unproven, one."""
        if email_address.email.lower() == email_address.user.email.lower():
            return False
        return super().can_delete_email(email_address)

    def send_password_reset_mail(self, user, email, context):
        """Send a reset link only to the address the account signs in with.

        Using the link marks that address proven (`participants.accounts.verify_current_address`),
        so it must never go to a pending, unconfirmed address of the account.
        """
        if email.lower() == user.email.lower():
            super().send_password_reset_mail(user, email, context)


class ChangeEmailView(EmailView):
    """allauth's e-mail page without "make primary": a new address replaces the old one only once
    confirmed from the new address. (allauth lets an unverified address become primary when the
    account has no verified one, as accounts made by a hub start.)"""

    def post(self, request, *args, **kwargs):
        if "action_primary" in request.POST:
            messages.error(request, "Your new address replaces the old one once you confirm it from the e-mail we sent there.")
            return redirect("account_email")
        return super().post(request, *args, **kwargs)


class HubMFAAdapter(DefaultMFAAdapter):
    """Hub staff and admins cannot remove their second factor (see `participants.mfa`)."""

    def can_delete_authenticator(self, authenticator):
        if authenticator.type in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN):
            return not mfa_required_in_any_hub(authenticator.user)
        return True
