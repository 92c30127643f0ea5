"""allauth's sign-in and password forms with the app's wording: sentence-case labels, no
placeholders repeating them (settings.ACCOUNT_FORMS)."""

from allauth.account import forms as allauth_forms


class AppWording:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label:
                label = str(field.label)
                field.label = label[:1] + label[1:].lower()
            field.widget.attrs.pop("placeholder", None)


class LoginForm(AppWording, allauth_forms.LoginForm):
    pass


class ChangePasswordForm(AppWording, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(AppWording, allauth_forms.SetPasswordForm):
    pass


class ResetPasswordForm(AppWording, allauth_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(AppWording, allauth_forms.ResetPasswordKeyForm):
    pass


class ReauthenticateForm(AppWording, allauth_forms.ReauthenticateForm):
    pass


class RequestLoginCodeForm(AppWording, allauth_forms.RequestLoginCodeForm):
    pass


class ConfirmLoginCodeForm(AppWording, allauth_forms.ConfirmLoginCodeForm):
    pass
