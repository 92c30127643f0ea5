from django.urls import path

from nudges import views

urlpatterns = [
    path("hub/nudges/", views.outbox, name="nudge_outbox"),
    path("hub/nudges/opted-out/", views.opted_out, name="nudge_opted_out"),
    path("hub/nudges/<uuid:nudge_code>/", views.nudge_detail, name="nudge_detail"),
    path("schools/<uuid:school_code>/nudges/pause/", views.school_pause, name="school_nudge_pause"),
    path("schools/<uuid:school_code>/nudges/resume/", views.school_resume, name="school_nudge_resume"),
]
