"""Forms for study, coaching and formal observations; the rules are in `study` and `coaching`."""

from django import forms
from django.utils import timezone

from engagement.models import CoachingCycle, FormalObservation, MentorMeeting, Module
from participants.forms import DateInput, today


def without_blank(choices):
    """A model field's choices without Django's "---------" one: a list of radio buttons starts with none ticked."""
    return [(value, label) for value, label in choices if value != ""]


class RecordModuleForm(forms.Form):
    module = forms.ModelChoiceField(
        queryset=Module.objects.none(),
        help_text="Modules you have not done yet come first, in programme order; then those you have done, to revise.",
    )
    done_on = forms.DateField(label="Date done", widget=DateInput(), initial=today)

    def __init__(self, *args, ect, **kwargs):
        super().__init__(*args, **kwargs)
        done = set(ect.study_records.values_list("module_id", flat=True))
        field = self.fields["module"]
        # Any module validates here, so that `study.record_module` can explain why a wrong one is wrong;
        # the list offers the ECT's own programme's modules: those not done yet, then those to revise.
        field.queryset = Module.objects.select_related("programme")
        modules = Module.objects.filter(programme__code=ect.programme).order_by("year", "order")
        not_done = [(m.pk, f"Year {m.year} · {m.title} ({m.code})") for m in modules if m.pk not in done]
        revise = [(m.pk, f"Year {m.year} · {m.title} ({m.code})") for m in modules if m.pk in done]
        groups = [(label, choices) for label, choices in (("Not done yet", not_done), ("Done: revise", revise)) if choices]
        field.widget.choices = [("", "Choose a module")] + groups


class ObservationForm(forms.ModelForm):
    class Meta:
        model = CoachingCycle
        fields = ["observed_on", "observation_minutes", "class_subject", "focus", "observation_notes"]
        widgets = {"observed_on": DateInput(), "observation_notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"observation_minutes": "About 15 minutes is typical.", "focus": "What you looked for."}


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = CoachingCycle
        fields = ["feedback_on", "action_step", "model_shown", "practice", "next_steps", "pastoral"]
        widgets = {
            "feedback_on": DateInput(),
            "model_shown": forms.Textarea(attrs={"rows": 2}),
            "practice": forms.Textarea(attrs={"rows": 2}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"pastoral": "Tick if part of the session was pastoral coaching."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only checked when the mentor says the feedback was given: then it has a date and its action
        # step (without a date, the cycle would be saved as still waiting for its feedback).
        self.fields["feedback_on"].required = True
        self.fields["action_step"].required = True
        self.fields["action_step"].error_messages["required"] = "Give the one action step agreed in the feedback session."


class MeetingForm(forms.ModelForm):
    class Meta:
        model = MentorMeeting
        fields = ["kind", "met_on", "notes"]
        widgets = {"kind": forms.RadioSelect, "met_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        labels = {"kind": "Type"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = without_blank(self.fields["kind"].choices)


class FormalObservationForm(forms.ModelForm):
    class Meta:
        model = FormalObservation
        fields = ["observed_on", "outcome", "notes"]
        widgets = {"observed_on": DateInput(), "outcome": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = without_blank(self.fields["outcome"].choices)


class ReportForm(forms.Form):
    """Ask for an engagement report (PDF) as of a date: today's figures unless another day is chosen."""

    as_of = forms.DateField(label="Figures as of", widget=DateInput(), initial=today)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "report-%s")
        super().__init__(*args, **kwargs)

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("Choose today or a day in the past: there are no figures for a day still to come.")
        return as_of


class MonthlyReportForm(forms.Form):
    monthly_email = forms.BooleanField(
        required=False, label="E-mail this school's report to its induction tutors on the 1st of every month",
        help_text="The PDF, as of the last day of the month before, attached to an e-mail to each induction tutor.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "monthly-%s")
        super().__init__(*args, **kwargs)
