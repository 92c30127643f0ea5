"""Forms for the nudge pages: the outbox's filters, a school's pause, the hub's settings and wording,
a tutor's manual nudge or praise. They validate input; the services make the changes."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from nudges import hub_settings, wording
from nudges.models import AUTOMATIC_RULES, HubNudgeSettings, NudgeStatus, Rule
from participants.forms import DateInput


class OutboxFilterForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every school")
    rule = forms.ChoiceField(label="Kind", choices=[("", "Every kind")] + Rule.choices, required=False)
    status = forms.ChoiceField(choices=[("", "Any status")] + NudgeStatus.choices, required=False)
    sent_from = forms.DateField(label="From", required=False, widget=DateInput())
    sent_to = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].to_field_name = "code"

    def clean(self):
        data = super().clean()
        if data.get("sent_from") and data.get("sent_to") and data["sent_to"] < data["sent_from"]:
            self.add_error("sent_to", "The end of the range is before its start.")
        return data

    def filters(self):
        """The filters to apply, leaving out any field that is wrong (its error is shown)."""
        self.is_valid()
        return self.cleaned_data


class PauseForm(forms.Form):
    until = forms.DateField(
        label="Pause automatic nudges until", widget=DateInput(),
        help_text="Nudges start again the day after. Tutors' own nudges and praise still go.",
    )


class HubNudgeSettingsForm(forms.ModelForm):
    class Meta:
        model = HubNudgeSettings
        fields = ["weekly_cap_days", "praise_streak", "send_time"]
        widgets = {"send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weekly_cap_days"].validators.append(MinValueValidator(1))
        self.fields["weekly_cap_days"].validators.append(MaxValueValidator(28))
        self.fields["weekly_cap_days"].widget.attrs.update(min=1, max=28)
        self.fields["praise_streak"].validators.append(MinValueValidator(2))
        self.fields["praise_streak"].validators.append(MaxValueValidator(40))
        self.fields["praise_streak"].widget.attrs.update(min=2, max=40)


class RuleWordingForm(forms.Form):
    """One rule's switch and wording; a placeholder the rule cannot fill is an error."""

    enabled = forms.BooleanField(label="Send these automatically", required=False)
    subject = forms.CharField(max_length=200, required=False, help_text="Leave empty for the default wording.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text="Leave empty for the default wording.")

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, prefix=rule, **kwargs)
        self.rule = rule
        label = Rule(rule).label
        if rule not in AUTOMATIC_RULES:
            del self.fields["enabled"]
        else:
            self.fields["enabled"].label = f"Send “{label}” automatically"
        self.fields["subject"].label = f"Subject of “{label}”"
        self.fields["body"].label = f"Message of “{label}”"

    def _placeholders_known(self, name):
        text = self.cleaned_data[name]
        unknown = hub_settings.unknown_placeholders(self.rule, text)
        if unknown:
            names = ", ".join(f"{{{name}}}" for name in unknown)
            allowed = ", ".join(f"{{{name}}}" for name in wording.PLACEHOLDERS[self.rule])
            raise forms.ValidationError(
                f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {names}: this message can use {allowed}."
            )
        return text

    def clean_subject(self):
        return self._placeholders_known("subject")

    def clean_body(self):
        return self._placeholders_known("body")

    def wording(self):
        """(subject, body) as typed (or as stored), the default where empty: what a preview shows."""
        default_subject, default_body = wording.DEFAULTS[self.rule]
        subject, body = (str(self[name].value() or "").strip() for name in ("subject", "body"))
        return subject or default_subject, body or default_body


class ManualMessageForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to send", choices=[("nudge", "A nudge: a gentle reminder"), ("praise", "Praise: a well done")],
        widget=forms.RadioSelect,
    )
    personal_line = forms.CharField(
        label="A line of your own", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown in the e-mail under the message, in your words.",
    )
