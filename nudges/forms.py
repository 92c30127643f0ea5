"""Forms for the nudge pages: the outbox's filters, a school's pause, the hub's settings and wording,
a tutor's manual nudge or praise. They validate input; the services make the changes."""

from django import forms

from nudges.models import NudgeStatus, Rule
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
