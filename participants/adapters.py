"""django-allauth adapter: invite-only accounts (no public sign-up)."""

from allauth.account.adapter import DefaultAccountAdapter


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False
