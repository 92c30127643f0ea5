from django.urls import path

from engagement.views import coaching, study, terms

urlpatterns = [
    # --- ECT study ---
    path("ects/<uuid:ect_code>/study/", study.ect_study, name="ect_study"),
    # --- Coaching and formal observations ---
    path("ects/<uuid:ect_code>/coaching/", coaching.ect_coaching, name="ect_coaching"),
    path("ects/<uuid:ect_code>/coaching/new/", coaching.cycle_create, name="cycle_create"),
    path("coaching/<uuid:cycle_code>/edit/", coaching.cycle_edit, name="cycle_edit"),
    path("coaching/<uuid:cycle_code>/unlock/", coaching.cycle_unlock, name="cycle_unlock"),
    path("ects/<uuid:ect_code>/meetings/new/", coaching.meeting_create, name="meeting_create"),
    path("ects/<uuid:ect_code>/formal-observations/new/", coaching.formal_observation_create, name="formal_observation_create"),
    path("schools/<uuid:school_code>/coaching/", coaching.school_coaching, name="school_coaching"),
    # --- Term dates ---
    path("hub/terms/", terms.term_dates, name="term_dates"),
    path("hub/terms/new/", terms.term_dates_new, name="term_dates_new"),
    path("hub/terms/copy-forward/", terms.term_dates_copy_forward, name="term_dates_copy_forward"),
    path("hub/terms/<int:academic_year>/", terms.term_dates_edit, name="term_dates_edit"),
]
