from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = "Participants"

    def ready(self):
        from allauth.account.signals import password_reset

        from participants.accounts import verify_current_address

        password_reset.connect(verify_current_address, dispatch_uid="participants.verify_current_address")
