"""Booking pages and My events (URL names in the `events` namespace, e.g. `events:self_book`)."""

from django.urls import path

from events import booking_views, my_views

app_name = "events"

urlpatterns = [
    path("booking/", booking_views.booking_home, name="booking_home"),
    path("mine/", my_views.my_events, name="my_events"),
    path("mine/calendar/reset/", my_views.calendar_reset, name="calendar_reset"),
    path("offers/<str:token>/", booking_views.offer, name="offer"),
    path("<uuid:event_code>/not-booked/", booking_views.not_booked, name="not_booked"),
    path("<uuid:event_code>/my-booking/", booking_views.self_book, name="self_book"),
    path("<uuid:event_code>/schools/<uuid:school_code>/book/", booking_views.book_school, name="book_school"),
]
