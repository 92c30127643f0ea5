"""Template helpers for the two-factor pages."""

from django import template

from participants.mfa import mfa_required_in_any_hub

register = template.Library()


@register.simple_tag
def mfa_required_for(user):
    """Whether `user` must keep a second factor (hub staff or admin in some hub)."""
    return user.is_authenticated and mfa_required_in_any_hub(user)
