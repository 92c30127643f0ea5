from django.urls import path

from nudges import views

app_name = "nudges"

urlpatterns = [
    path("hub/nudges/", views.outbox, name="outbox"),
    path("hub/nudges/opted-out/", views.opted_out, name="opted_out"),
    path("hub/nudges/settings/", views.nudge_settings, name="settings"),
    path("hub/nudges/<uuid:nudge_code>/", views.nudge_detail, name="detail"),
    path("schools/<uuid:school_code>/nudges/pause/", views.school_pause, name="school_pause"),
    path("schools/<uuid:school_code>/nudges/resume/", views.school_resume, name="school_resume"),
    path("people/<uuid:person_code>/nudge/", views.manual_nudge, name="manual"),
]
