"""Navigation for the base layout: the active hub, other hubs, the roles to switch between and the
active role's links."""

from django.utils.functional import SimpleLazyObject

from participants.roles import active_role, nav_links, roles_for


def navigation(request):
    viewer = getattr(request, "viewer", None)
    if viewer is None or not request.user.is_authenticated:
        return {}

    roles = SimpleLazyObject(lambda: roles_for(viewer))
    role = SimpleLazyObject(lambda: active_role(request, roles))
    return {
        "active_hub": request.hub,
        "memberships": request.memberships,
        "roles": roles,
        "active_role": role,
        "nav_links": SimpleLazyObject(lambda: nav_links(viewer, active_role(request, roles))),
        "viewer": viewer,
    }
