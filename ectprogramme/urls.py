from django.urls import include, path
from django.views.generic import TemplateView

from events.my_views import calendar_feed

urlpatterns = [
    path("accounts/", include("participants.account_urls")),
    path("nudges/unsubscribe/", include("nudges.unsubscribe_urls")),
    path("accessibility/", TemplateView.as_view(template_name="accessibility.html"), name="accessibility"),
    path("calendar/<str:feed_token>.ics", calendar_feed, name="calendar_feed"),
    path("events/", include("events.booking_urls")),
    path("events/", include("events.urls")),
    path("", include("engagement.urls")),
    path("", include("participants.urls")),
    path("", include("nudges.urls")),
]
