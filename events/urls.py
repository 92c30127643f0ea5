from django.urls import path

from events import register_views, views

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
    path("sessions/<uuid:session_code>/register/", register_views.session_register, name="session_register"),
    path("sessions/<uuid:session_code>/register/absent/", register_views.register_rest_absent, name="register_rest_absent"),
    path("sessions/<uuid:session_code>/register/walk-in/", register_views.register_walk_in, name="register_walk_in"),
    path("catch-ups/<uuid:catch_up_code>/", register_views.catch_up, name="catch_up"),
    path("schools/<uuid:school_code>/catch-ups/", register_views.school_catch_ups, name="school_catch_ups"),
    path("schools/<uuid:school_code>/alternatives/", register_views.school_alternatives, name="school_alternatives"),
    path("alternatives/", register_views.alternatives_list, name="alternatives_list"),
    path("alternatives/<uuid:alternative_code>/", register_views.alternative_detail, name="alternative_detail"),
    path("bookings/<uuid:booking_code>/another-date/", register_views.booking_request_alternative, name="booking_request_alternative"),
]
