"""Request and response hardening that applies to every page.

- `SecurityHeadersMiddleware`: a Permissions-Policy on every response, and `Cache-Control:
  no-store` on every response to a signed-in user, so a shared or back-buttoned browser never
  shows someone's pages from its cache.
- `RejectNulBytesMiddleware`: PostgreSQL cannot store a NUL character in text, so a NUL byte in
  the path, query string, form fields, cookies or headers would fail deep inside a query with a
  500. It is refused up front with a 400 page saying what was wrong.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

NUL = "\x00"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def _where_nul(request):
    """The first part of the request carrying a NUL byte ("the address", "the form field 'q'"…), or None."""
    if NUL in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return "the address"
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return f"the {name.removeprefix('HTTP_').replace('_', '-').title()} header"
    for name, value in request.COOKIES.items():
        if NUL in name or NUL in value:
            return "a cookie"
    if request.method == "POST":
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in value for value in values):
                return f"the form field {name.replace(NUL, '')!r}"
        for name, files in request.FILES.lists():
            if NUL in name or any(NUL in (upload.name or "") for upload in files):
                return f"the name of the uploaded file {name.replace(NUL, '')!r}"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return "the address"
    return None


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _where_nul(request)
        if where:
            return render(request, "errors/nul_byte.html", {"where": where}, status=400)
        return self.get_response(request)
