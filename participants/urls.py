from django.urls import path

from participants import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/hub/", views.switch_hub, name="switch_hub"),
    path("switch/role/", views.switch_role, name="switch_role"),
    path("memberships/confirm/<str:token>/", views.membership_confirm, name="membership_confirm"),
    path("hub/", views.hub_overview, name="hub_overview"),
    path("hub/invite/", views.invite, name="invite"),
    path("hub/roles/", views.hub_roles, name="hub_roles"),
    path("hub/roles/<uuid:person_code>/", views.hub_role_change, name="hub_role_change"),
    path("hub/settings/", views.hub_settings, name="hub_settings"),
    path("schools/new/", views.school_create, name="school_create"),
    path("schools/<uuid:school_code>/", views.school_detail, name="school_detail"),
    path("schools/<uuid:school_code>/edit/", views.school_edit, name="school_edit"),
    path("schools/<uuid:school_code>/people/new/", views.person_add, name="person_add"),
    path("schools/<uuid:school_code>/mentors/pair/", views.school_pair_mentors, name="school_pair_mentors"),
    path("schools/<uuid:school_code>/setup-emails/", views.school_setup_emails, name="school_setup_emails"),
    path("people/", views.people_list, name="people_list"),
    path("people/<uuid:person_code>/", views.person_detail, name="person_detail"),
    path("people/<uuid:person_code>/edit/", views.person_edit, name="person_edit"),
    path("people/<uuid:person_code>/setup-email/", views.person_setup_email, name="person_setup_email"),
    path("email-change/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("email-change/<str:token>/cancel/", views.email_change_cancel, name="email_change_cancel"),
    path("roles/<uuid:role_code>/end/", views.role_end, name="role_end"),
    path("mentors/<uuid:role_code>/training/", views.mentor_training, name="mentor_training"),
    path("ects/<uuid:ect_code>/edit/", views.ect_edit, name="ect_edit"),
    path("ects/<uuid:ect_code>/mentor/", views.ect_change_mentor, name="ect_change_mentor"),
    path("ects/<uuid:ect_code>/status/", views.ect_change_status, name="ect_change_status"),
    path("ects/<uuid:ect_code>/transfer/", views.ect_transfer, name="ect_transfer"),
    path("mentoring/", views.mentor_home, name="mentor_home"),
]
