"""One-time form tokens: a retried form POST (a double click, a browser retry) creates one record.

A form that creates a record carries a hidden `form_token`, a UUID made when the page is
rendered (`templates/form_token.html`). The service stores it on the record under a unique
constraint; a second POST with the same token finds that record instead of creating another, and
the view answers as it did the first time.
"""

import uuid

FIELD = "form_token"


def form_token(request):
    """The token the posted form carries, or a new one for a form about to be rendered."""
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return uuid.uuid4()
