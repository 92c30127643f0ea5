"""The roles a person can act in, each with its own home page and navigation, for landing and switching."""

from dataclasses import dataclass

from django.urls import reverse

from participants.models import ECT, Mentor

SESSION_ROLE_KEY = "active_role"


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    url: str


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str


def roles_for(viewer):
    """Hub staff (or facilitator) first, then each school the person tutors at, then mentor, then ECT."""
    if viewer.person is None:
        return []
    roles = []
    if viewer.is_hub_staff:
        roles.append(Role("hub", "Hub admin" if viewer.is_hub_admin else "Hub staff", reverse("hub_overview")))
    elif viewer.is_facilitator:
        roles.append(Role("facilitator", "Facilitator", reverse("events_list")))
    for code, name in viewer.tutor_schools:
        roles.append(Role(f"tutor:{code}", f"Induction tutor, {name}", reverse("lead_dashboard", args=[code])))
    if viewer.is_mentor:
        roles.append(Role("mentor", "Mentor", reverse("mentor_home")))
    if viewer.is_ect:
        roles.append(Role("ect", "ECT", reverse("ect_study", args=[own_ect(viewer).code])))
    return roles


def own_ect(viewer):
    """The viewer's own ECT record (the newest, should they have been registered more than once)."""
    return ECT.objects.filter(id__in=viewer.own_ect_ids).order_by("-created_at").first()


def active_role(request, roles):
    wanted = request.session.get(SESSION_ROLE_KEY)
    for role in roles:
        if role.key == wanted:
            return role
    return roles[0] if roles else None


def nav_links(viewer, role):
    """The main navigation of the role the person is acting in: every page of that role, one click away.

    Hub staff: dashboard, schools, people, onboarding, term dates, events, booking, nudges, imports (hub admins also
    the hub's roles and settings). A facilitator: the events (sessions and registers). An induction tutor: their
    school's Lead dashboard, the school, its coaching, people, booking and onboarding. A mentor: their ECTs, their own
    figures and events. An ECT: their study, coaching, feedback, their own figures and events.
    """
    if role is None:
        return []
    if role.key == "hub":
        links = [
            NavLink("Dashboard", reverse("hub_dashboard")),
            NavLink("Schools", reverse("hub_overview")),
            NavLink("People", reverse("people_list")),
            NavLink("Onboarding", reverse("onboarding")),
            NavLink("Term dates", reverse("term_dates")),
            NavLink("Events", reverse("events_list")),
            NavLink("Booking", reverse("events:booking_home")),
            NavLink("Nudges", reverse("nudges:outbox")),
            NavLink("Imports", reverse("import_uploads")),
        ]
        if viewer.is_hub_admin:
            links += [NavLink("Hub roles", reverse("hub_roles")), NavLink("Hub settings", reverse("hub_settings"))]
        return links
    if role.key == "facilitator":
        return [NavLink("Events", reverse("events_list"))]
    if role.key.startswith("tutor:"):
        code = role.key.removeprefix("tutor:")
        return [
            NavLink("Lead dashboard", reverse("lead_dashboard", args=[code])),
            NavLink("School", reverse("school_detail", args=[code])),
            NavLink("Coaching", reverse("school_coaching", args=[code])),
            NavLink("People", reverse("people_list")),
            NavLink("Booking", reverse("events:booking_home")),
            NavLink("Onboarding", reverse("onboarding")),
        ]
    if role.key == "mentor":
        links = [NavLink("My ECTs", reverse("mentor_home"))]
        mentor = Mentor.objects.filter(id__in=viewer.mentor_ids).order_by("-started_on", "-id").first()
        if mentor is not None:
            links.append(NavLink("My figures", reverse("mentor_engagement", args=[mentor.code])))
        links.append(NavLink("My events", reverse("events:my_events")))
        return links
    if role.key == "ect":
        ect = own_ect(viewer)
        coaching = reverse("ect_coaching", args=[ect.code])
        return [
            NavLink("My study", reverse("ect_study", args=[ect.code])),
            NavLink("My coaching", coaching),
            NavLink("My feedback", f"{coaching}#feedback"),
            NavLink("My figures", reverse("ect_engagement", args=[ect.code])),
            NavLink("My events", reverse("events:my_events")),
        ]
    return []
