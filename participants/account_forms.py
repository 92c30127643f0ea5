"""allauth's sign-in and password forms with the app's wording: sentence-case labels, no
placeholders repeating them (settings.ACCOUNT_FORMS)."""

from allauth.account import forms as allauth_forms
from allauth.account.models import EmailAddress
from django import forms


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


class ChangeEmailForm(AppWording, allauth_forms.AddEmailForm):
    """allauth's form to change one's own address, refusing an address another account already uses
    (allauth would accept it, to hide which addresses have accounts, and mail a link there: in an
    invite-only service the clearer answer is worth more) and refusing while the current address is
    unproven."""

    def clean_email(self):
        from participants.accounts import is_address_taken

        value = super().clean_email()
        if is_address_taken(value, self.user):
            raise forms.ValidationError("Another account already uses this e-mail address.")
        if not EmailAddress.objects.filter(user=self.user, email__iexact=self.user.email, verified=True).exists():
            # allauth would take the unproven current address for a pending change and drop it.
            raise forms.ValidationError(
                f"Your current address, {self.user.email}, is not confirmed yet. Sign out, sign in with a "
                "code sent to it, and then change it."
            )
        return value
