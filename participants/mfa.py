"""Two-factor authentication is required of hub staff, admins and facilitators.

Hub staff see every school of their hub, so their accounts get a second factor (an authenticator
app, with recovery codes). Whether it is required is decided by the active hub: someone who is
hub staff there and has no authenticator yet is sent to set one up before any hub page, and
cannot remove it afterwards (`participants.adapters.HubMFAAdapter`). Everyone else may turn it on
from "Account" in the menu.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_removed
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django_htmx.http import HttpResponseClientRedirect

from participants.models import Person

# Pages a hub staff member without an authenticator may still use: their account pages (sign
# out, password, setting up the authenticator) come from allauth; these are ours.
OPEN_URL_NAMES = {"switch_hub", "switch_role", "accessibility"}
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
SESSION_KEY = "mfa_set_up"


def mfa_required(person):
    """True when `person` (a membership of the active hub, or None) must use a second factor."""
    return settings.MFA_REQUIRED_FOR_HUB_ROLES and person is not None and person.has_hub_role


def mfa_required_in_any_hub(user):
    if not settings.MFA_REQUIRED_FOR_HUB_ROLES:
        return False
    return any(person.has_hub_role for person in Person.objects.with_scopes_disabled().filter(user=user))


def has_second_factor(request):
    """Whether the signed-in user has an authenticator; remembered in the session once true (no
    query on every page), forgotten when they remove one."""
    if request.session.get(SESSION_KEY):
        return True
    if is_mfa_enabled(request.user, SECOND_FACTORS):
        request.session[SESSION_KEY] = True
        return True
    return False


@receiver(authenticator_removed)
def _forget_second_factor(sender, request, **kwargs):
    if request is not None:
        request.session.pop(SESSION_KEY, None)


def _open(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True
    return match.func.__module__.startswith("allauth.") or match.url_name in OPEN_URL_NAMES


class RequireMFAMiddleware:
    """After `ActiveHubMiddleware`: send hub staff without an authenticator to set one up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if mfa_required(getattr(request, "person", None)) and not _open(request) and not has_second_factor(request):
            setup = reverse("mfa_activate_totp")
            messages.info(request, "Hub staff must use two-factor authentication: set up an authenticator app to continue.")
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(setup)
            return HttpResponseRedirect(setup)
        return self.get_response(request)
