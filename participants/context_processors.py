"""Navigation for the base layout: the active hub, other hubs and the roles to switch between."""

from django.utils.functional import SimpleLazyObject

from participants.roles import active_role, roles_for


def navigation(request):
    viewer = getattr(request, "viewer", None)
    if viewer is None or not request.user.is_authenticated:
        return {}

    def _roles():
        return roles_for(viewer)

    roles = SimpleLazyObject(_roles)
    return {
        "active_hub": request.hub,
        "memberships": request.memberships,
        "roles": roles,
        "active_role": SimpleLazyObject(lambda: active_role(request, roles)),
        "viewer": viewer,
    }
