"""Which hub a request acts in, and entering that hub's scope for the whole request.

The active hub comes from the signed-in user's memberships (`Person` rows); a user with roles in
several hubs picks one (kept in the session). Every view then runs inside `hub_scope(hub)`, so a
tenant query can only ever see the active hub's rows.
"""

from django.utils.functional import SimpleLazyObject

from participants.models import Person
from schools.scoping import hub_scope

SESSION_HUB_KEY = "active_hub"


def memberships(user):
    """The user's confirmed Person rows in every hub (outside any scope: this is how a scope is chosen).

    An unconfirmed membership (a hub added an account someone already owns) gives no access.
    """
    people = Person.objects.with_scopes_disabled().filter(user=user, confirmed_at__isnull=False)
    return list(people.select_related("hub").order_by("hub__name"))


def choose_person(request):
    if not request.user.is_authenticated:
        return None, []
    return active_membership(request.user, request.session)


def active_membership(user, session):
    """(the membership the session acts in, all the user's confirmed memberships)."""
    people = memberships(user)
    wanted = session.get(SESSION_HUB_KEY)
    for person in people:
        if str(person.hub.code) == wanted:
            return person, people
    return (people[0] if people else None), people


class ActiveHubMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        person, people = choose_person(request)
        request.person = person
        request.memberships = people
        request.hub = person.hub if person else None
        with hub_scope(request.hub):
            from participants.access import Viewer

            request.viewer = SimpleLazyObject(lambda: Viewer.for_person(person))
            return self.get_response(request)
