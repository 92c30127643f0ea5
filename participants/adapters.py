"""django-allauth customisation: invite-only accounts (no public sign-up), reset links to the sign-in
address only, one's own address changed only through a confirmed change (`ACCOUNT_CHANGE_EMAIL`)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import AddEmailForm
from allauth.account.models import EmailAddress
from allauth.account.views import EmailView
from django import forms
from django.contrib import messages
from django.shortcuts import redirect


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


class ChangeEmailForm(AddEmailForm):
    """allauth's form to change one's own address, refusing an address another account already uses
    (allauth would accept it, to hide which addresses have accounts, and mail a link there: in an
    invite-only service the clearer answer is worth more) and refusing while the current address is
    unproven."""

    def clean_email(self):
        from participants.accounts import is_address_taken

        value = super().clean_email()
        if is_address_taken(value, self.user):
            raise forms.ValidationError("Another account already uses this e-mail address.")
        if not EmailAddress.objects.filter(user=self.user, email__iexact=self.user.email, verified=True).exists():
            # allauth would take the unproven current address for a pending change and drop it.
            raise forms.ValidationError(
                f"Your current address, {self.user.email}, is not confirmed yet. Sign out, sign in with a "
                "code sent to it, and then change it."
            )
        return value


class ChangeEmailView(EmailView):
    """allauth's e-mail page without "make primary": a new address replaces the old one only once
    confirmed from the new address. (allauth lets an unverified address become primary when the
    account has no verified one, as accounts made by a hub start.)"""

    def post(self, request, *args, **kwargs):
        if "action_primary" in request.POST:
            messages.error(request, "Your new address replaces the old one once you confirm it from the e-mail we sent there.")
            return redirect("account_email")
        return super().post(request, *args, **kwargs)
