"""The unsubscribe link of automatic nudges (RFC 8058).

GET shows a confirm button (mail scanners open links; a GET changes nothing). POST opts out: the
page's form, or a mail client's one-click POST (`List-Unsubscribe=One-Click`), which carries no
CSRF token and no session: the signed token in the URL is the authentication. A token that does
not name a person of the hub it names is a 404.
"""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from nudges import optout
from nudges.models import OptOut, OptOutVia
from schools.scoping import hub_scope


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, unsubscribe_token):
    person = optout.person_for(unsubscribe_token)
    if person is None:
        return render(request, "nudges/unsubscribe.html", {"state": "invalid"}, status=404)
    with hub_scope(person.hub):
        context = {"hub": person.hub}
        if request.method == "POST":
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            optout.opt_out(person, OptOutVia.HEADER if one_click else OptOutVia.LINK)
            return render(request, "nudges/unsubscribe.html", {**context, "state": "done"})
        state = "already" if OptOut.objects.filter(person=person).exists() else "confirm"
        return render(request, "nudges/unsubscribe.html", {**context, "state": state})
