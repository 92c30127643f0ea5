"""allauth's account URLs, with its e-mail page replaced by one that only changes an address once confirmed."""

from django.urls import include, path

from participants.adapters import ChangeEmailView

urlpatterns = [
    path("email/", ChangeEmailView.as_view(), name="account_email"),
    path("", include("allauth.urls")),
]
