"""The roles a person can act in, each with its own home page, for landing and switching."""

from dataclasses import dataclass

from django.urls import reverse

from participants.models import ECT

SESSION_ROLE_KEY = "active_role"


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    url: str


def roles_for(viewer):
    """Hub staff first, then each school the person tutors at, then mentor, then ECT."""
    if viewer.person is None:
        return []
    roles = []
    if viewer.is_hub_staff:
        roles.append(Role("hub", "Hub admin" if viewer.is_hub_admin else "Hub staff", reverse("hub_overview")))
    for code, name in viewer.tutor_schools:
        roles.append(Role(f"tutor:{code}", f"Induction tutor, {name}", reverse("lead_dashboard", args=[code])))
    if viewer.is_mentor:
        roles.append(Role("mentor", "Mentor", reverse("mentor_home")))
    if viewer.is_ect:
        ect = ECT.objects.filter(id__in=viewer.own_ect_ids).order_by("-created_at").first()
        roles.append(Role("ect", "ECT", reverse("ect_study", args=[ect.code])))
    return roles


def active_role(request, roles):
    wanted = request.session.get(SESSION_ROLE_KEY)
    for role in roles:
        if role.key == wanted:
            return role
    return roles[0] if roles else None
