from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = "Participants"

    def ready(self):
        from allauth.account.signals import password_reset

        from django.contrib.auth.signals import user_logged_in

        from participants.accounts import verify_current_address
        from participants.onboarding import on_user_logged_in
        from participants.signals import connect

        password_reset.connect(verify_current_address, dispatch_uid="participants.verify_current_address")
        user_logged_in.connect(on_user_logged_in, dispatch_uid="participants.record_sign_in")
        connect()
