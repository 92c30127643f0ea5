"""django-allauth adapters: invite-only accounts (no public sign-up); MFA kept by hub staff."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from participants.mfa import mfa_required_in_any_hub


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False


class HubMFAAdapter(DefaultMFAAdapter):
    """Hub staff and admins cannot remove their second factor (see `participants.mfa`)."""

    def can_delete_authenticator(self, authenticator):
        if authenticator.type in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN):
            return not mfa_required_in_any_hub(authenticator.user)
        return True
