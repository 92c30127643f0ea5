from django.urls import path

from nudges import unsubscribe_views

urlpatterns = [
    path("<str:unsubscribe_token>/", unsubscribe_views.unsubscribe, name="nudge_unsubscribe"),
]
