"""Forms for the hub's events and sessions; the rules they check live in `events.sessions`."""

from django import forms

from events.catalogue import catalogue_codes
from events.models import Audience, Event, Session
from events.sessions import EDITABLE_FIELDS, session_problems
from participants.cohorts import academic_year_of
from participants.forms import DateInput


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class SessionForm(forms.ModelForm):
    online_url = forms.URLField(
        label="Joining link", required=False, max_length=500, assume_scheme="https", help_text="Shown only to people booked on it."
    )

    class Meta:
        model = Session
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "date": DateInput(),
            "booking_deadline": DateInput(),
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "format": forms.RadioSelect,
            "address": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"session_code": "Session code", "start_time": "Starts at", "end_time": "Ends at"}
        help_texts = {"session_code": "Your own identifier for the session, unique in the hub (as in the import file)."}

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.fields["format"].choices = Session._meta.get_field("format").choices

    def clean(self):
        cleaned = super().clean()
        fields = {name: cleaned.get(name) for name in EDITABLE_FIELDS}
        for name, message in session_problems(self.hub, fields, self.instance if self.instance.pk else None).items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def validate_unique(self):
        """The session's constraints are checked in `clean` (`session_problems`), in the hub's words."""


class EventSettingsForm(forms.ModelForm):
    """What a hub chooses about any event, the catalogue's included."""

    class Meta:
        model = Event
        fields = ["self_booking", "attendance_expected", "catch_up_materials", "catch_up_days"]
        labels = {"attendance_expected": "Attendance expected", "catch_up_materials": "Catch-up materials"}
        help_texts = {"attendance_expected": "Whether the people it is for are expected to attend (and counted when they do not)."}
        widgets = {"catch_up_materials": forms.Textarea(attrs={"rows": 3})}


class EventForm(forms.ModelForm):
    """A hub's own event: everything, the settings included."""

    class Meta:
        model = Event
        fields = [
            "event_code", "title", "kind", "audience", "programme", "ect_year", "half_term",
            "self_booking", "attendance_expected", "catch_up_materials", "catch_up_days",
        ]
        labels = {"event_code": "Event code", "attendance_expected": "Attendance expected", "catch_up_materials": "Catch-up materials"}
        help_texts = {
            "event_code": "A short identifier used in import files: lower-case letters, digits and hyphens.",
            "programme": "ECT events only.",
            "ect_year": "ECT events only: 1 or 2.",
        }
        widgets = {"kind": forms.RadioSelect, "audience": forms.RadioSelect, "catch_up_materials": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.instance.hub = hub
        self.fields["kind"].choices = Event._meta.get_field("kind").choices
        self.fields["audience"].choices = Audience.choices

    def clean_event_code(self):
        code = self.cleaned_data["event_code"]
        if code in catalogue_codes():
            raise forms.ValidationError("This code belongs to the programme’s catalogue: choose another.")
        clash = Event.objects.filter(hub=self.hub, event_code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("The hub already has an event with this code.")
        return code


class CopyForwardForm(forms.Form):
    year = forms.TypedChoiceField(label="Copy the sessions of", coerce=int)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, f"{year}/{str(year + 1)[-2:]} to {year + 1}/{str(year + 2)[-2:]}") for year in years]


def default_copy_year(years, today):
    this_year = academic_year_of(today)
    return this_year if this_year in years else (years[-1] if years else None)
