from django.urls import path

from engagement.views import coaching, dashboards, reports, study, terms

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
    # --- Engagement dashboards ---
    path("hub/engagement/", dashboards.hub_dashboard, name="hub_dashboard"),
    path("hub/engagement.csv", dashboards.hub_dashboard_csv, name="hub_dashboard_csv"),
    path("schools/<uuid:school_code>/engagement/", dashboards.lead_dashboard, name="lead_dashboard"),
    path("schools/<uuid:school_code>/engagement.csv", dashboards.lead_dashboard_csv, name="lead_dashboard_csv"),
    path("schools/<uuid:school_code>/engagement/recalculate/", dashboards.recalculate, name="engagement_recalculate"),
    path("ects/<uuid:ect_code>/engagement/", dashboards.ect_engagement, name="ect_engagement"),
    path("mentors/<uuid:role_code>/engagement/", dashboards.mentor_engagement, name="mentor_engagement"),
    # --- Engagement reports (PDF), made in the background ---
    path("hub/reports/", reports.hub_reports, name="hub_reports"),
    path("schools/<uuid:school_code>/reports/", reports.school_reports, name="school_reports"),
    path("schools/<uuid:school_code>/reports/monthly/", reports.school_monthly_report, name="school_monthly_report"),
    path("reports/<uuid:report_code>/", reports.report_status, name="report_status"),
    path("reports/<uuid:report_code>/download/", reports.report_download, name="report_download"),
    # --- Term dates ---
    path("hub/terms/", terms.term_dates, name="term_dates"),
    path("hub/terms/new/", terms.term_dates_new, name="term_dates_new"),
    path("hub/terms/copy-forward/", terms.term_dates_copy_forward, name="term_dates_copy_forward"),
    path("hub/terms/<int:academic_year>/", terms.term_dates_edit, name="term_dates_edit"),
]
