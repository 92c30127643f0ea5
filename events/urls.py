from django.urls import path

from events import views

urlpatterns = [
    path("", views.events_list, name="events_list"),
    path("new/", views.event_create, name="event_create"),
    path("copy-forward/", views.sessions_copy_forward, name="sessions_copy_forward"),
    path("<uuid:event_code>/", views.event_detail, name="event_detail"),
    path("<uuid:event_code>/edit/", views.event_edit, name="event_edit"),
    path("<uuid:event_code>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<uuid:session_code>/", views.session_detail, name="session_detail"),
    path("sessions/<uuid:session_code>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<uuid:session_code>/cancel/", views.session_cancel, name="session_cancel"),
]
