from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("accounts/", include("participants.account_urls")),
    path("accessibility/", TemplateView.as_view(template_name="accessibility.html"), name="accessibility"),
    path("events/", include("events.booking_urls")),
    path("events/", include("events.urls")),
    path("", include("engagement.urls")),
    path("", include("participants.urls")),
]
