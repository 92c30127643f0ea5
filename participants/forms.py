"""Forms for people and roles. They validate input; the services in `services.py` make changes."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from participants.cohorts import academic_year_of
from participants.models import ECT, ECTStatusKind, HubRole, Mentor, Programme
from participants.services import ALLOWED_STATUS_CHANGES


def today():
    """Today, read when a form is shown: an `initial` of `timezone.localdate` itself would keep the
    function in place when this module was first imported (a test's fixed date, for every test after)."""
    return timezone.localdate()


def apply_service_errors(form, error, *more_forms):
    """Put a service's ValidationError on the form(s): on the field it names, else on the first form."""
    forms_ = (form, *more_forms)
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        owner = next((f for f in forms_ if field in f.fields), None)
        (owner or form).add_error(field if owner else None, errors)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("The date cannot be in the future.")


class PersonDetailsForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(label="E-mail address")


class ECTDetailsForm(forms.ModelForm):
    class Meta:
        model = ECT
        fields = ["programme", "cohort_start_year", "induction_start_date", "fte"]
        labels = {"cohort_start_year": "Cohort start year"}
        widgets = {"induction_start_date": DateInput()}


class AddPersonForm(forms.Form):
    ROLE_CHOICES = [("ect", "ECT"), ("mentor", "Mentor"), ("induction_tutor", "Induction tutor")]

    role = forms.ChoiceField(choices=ROLE_CHOICES, widget=forms.RadioSelect)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(label="E-mail address")
    start_date = forms.DateField(widget=DateInput(), initial=today, help_text="When the role starts.")
    programme = forms.ChoiceField(choices=[("", "—")] + Programme.choices, required=False, help_text="ECTs only.")
    cohort_start_year = forms.IntegerField(
        min_value=2021, max_value=2100, required=False, help_text="ECTs only: the academic year they start, e.g. 2025."
    )
    fte = forms.DecimalField(
        label="FTE", min_value=Decimal("0.1"), max_value=Decimal("1.0"), decimal_places=2, initial=Decimal("1.0"),
        required=False, help_text="ECTs only: 1.0 is full time.",
    )
    mentor = forms.ModelChoiceField(queryset=Mentor.objects.none(), required=False, help_text="ECTs only.")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = (
            Mentor.objects.filter(school=school, finished_on__isnull=True).select_related("person__user")
        )
        self.fields["cohort_start_year"].initial = academic_year_of(timezone.localdate())

    def clean(self):
        data = super().clean()
        if data.get("role") == "ect":
            for name in ("programme", "cohort_start_year"):
                if not data.get(name):
                    self.add_error(name, "This field is required for an ECT.")
            if data.get("fte") is None:
                data["fte"] = Decimal("1.0")
        return data


class ChangeMentorForm(forms.Form):
    mentor = forms.ModelChoiceField(
        queryset=Mentor.objects.none(), required=False, empty_label="No mentor", help_text="Mentors at the ECT's school."
    )
    on = forms.DateField(label="From", widget=DateInput(), initial=today, validators=[not_in_future])

    def __init__(self, *args, ect, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = (
            Mentor.objects.filter(school=ect.school, finished_on__isnull=True)
            .exclude(person=ect.person)
            .select_related("person__user")
        )
        self.fields["mentor"].label_from_instance = lambda m: str(m.person)


class PairMentorsForm(forms.Form):
    """A mentor picker per ECT without a mentor (`participants.pairing`); a blank choice leaves the row."""

    def __init__(self, *args, ects, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.ects = list(ects)
        self.mentors = {str(mentor.code): mentor for mentor in mentors}
        for ect in self.ects:
            options = [(code, str(m.person)) for code, m in self.mentors.items() if m.person_id != ect.person_id]
            self.fields[self.field_name(ect)] = forms.ChoiceField(
                choices=[("", "No mentor yet")] + options, required=False, label=f"Mentor for {ect.person}"
            )

    @staticmethod
    def field_name(ect):
        return f"mentor-{ect.code}"

    def rows(self):
        """(ECT, its bound field) in the page's order."""
        return [(ect, self[self.field_name(ect)]) for ect in self.ects]

    def choices(self):
        """{ECT: Mentor} for the rows given a mentor."""
        picked = {ect: self.cleaned_data.get(self.field_name(ect)) for ect in self.ects}
        return {ect: self.mentors[code] for ect, code in picked.items() if code}

    def add_row_errors(self, error):
        """Put a `pairing.pair_mentors` ValidationError ({ECT code: messages}) on its rows."""
        for code, messages in error.message_dict.items():
            name = f"mentor-{code}"
            self.add_error(name if name in self.fields else None, messages)


class TransferForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label="New school")
    on = forms.DateField(
        label="Moves on", widget=DateInput(), initial=today, validators=[not_in_future],
        help_text="Their first day at the new school: the old school keeps them until the day before.",
    )
    mentor = forms.ModelChoiceField(
        queryset=Mentor.objects.none(), required=False, empty_label="No mentor yet", label="Mentor at the new school",
        help_text="Their current mentor stops on the day they move.",
    )

    def __init__(self, *args, ect, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools.exclude(pk=ect.school_id).order_by("name")
        self.fields["mentor"].queryset = (
            Mentor.objects.filter(finished_on__isnull=True, school__in=self.fields["school"].queryset)
            .exclude(person=ect.person)
            .select_related("person", "school")
            .order_by("school__name", "person__last_name", "person__first_name")
        )
        self.fields["mentor"].label_from_instance = lambda m: f"{m.person} ({m.school.name})"

    def clean(self):
        data = super().clean()
        if data.get("mentor") and data.get("school") and data["mentor"].school_id != data["school"].pk:
            self.add_error("mentor", f"Choose a mentor at {data['school'].name}.")
        return data


class ECTStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ECTStatusKind.choices, widget=forms.RadioSelect)
    on = forms.DateField(label="From", widget=DateInput(), initial=today, validators=[not_in_future])
    note = forms.CharField(max_length=500, required=False, help_text="Optional: the reason, e.g. long-term absence.")

    def __init__(self, *args, current_status, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_STATUS_CHANGES[current_status]
        self.fields["status"].choices = [(value, label) for value, label in ECTStatusKind.choices if value in allowed]


class InviteForm(forms.Form):
    ROLE_CHOICES = [("induction_tutor", "Induction tutor"), (HubRole.STAFF, "Hub staff"), (HubRole.ADMIN, "Hub admin")]

    role = forms.ChoiceField(choices=ROLE_CHOICES, widget=forms.RadioSelect)
    school = forms.ModelChoiceField(queryset=None, required=False, help_text="Induction tutors only.")
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(label="E-mail address")

    def __init__(self, *args, schools, hub_roles=False, **kwargs):
        """`hub_roles`: whether hub staff and hub admin may be chosen (hub admins only)."""
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if not hub_roles:
            self.fields["role"].choices = self.ROLE_CHOICES[:1]
            self.fields["role"].initial = "induction_tutor"

    def clean(self):
        data = super().clean()
        if data.get("role") == "induction_tutor" and not data.get("school"):
            self.add_error("school", "Choose the school this induction tutor works at.")
        return data


NO_MENTOR_YET = "none"


class EndRoleForm(forms.Form):
    """End a role; ending a mentor asks, for each current mentee, who mentors them next."""

    on = forms.DateField(label="Last day (ends from)", widget=DateInput(), initial=today, validators=[not_in_future])

    def __init__(self, *args, mentees=(), other_mentors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.mentors = {str(mentor.code): mentor for mentor in other_mentors}
        self.mentees = {}
        for ect in mentees:
            name = f"mentee_{ect.code}"
            self.mentees[name] = ect
            choices = [(code, str(mentor.person)) for code, mentor in self.mentors.items() if mentor.person_id != ect.person_id]
            self.fields[name] = forms.ChoiceField(
                label=f"New mentor for {ect.person}",
                choices=choices + [(NO_MENTOR_YET, "No mentor yet")],
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose {ect.person}’s new mentor, or “No mentor yet”."},
            )

    def new_mentors(self):
        """{ECT id: their new Mentor, or None for no mentor yet}, from the cleaned choices."""
        return {ect.pk: self.mentors.get(self.cleaned_data[name]) for name, ect in self.mentees.items()}


HUB_ROLE_CHOICES = [(HubRole.ADMIN, "Hub admin"), (HubRole.STAFF, "Hub staff"), (HubRole.FACILITATOR, "Facilitator")]
HUB_ROLE_HELP = (
    "Hub staff see and manage every school and person; hub admins also manage hub roles and the hub’s settings; "
    "facilitators see the events’ sessions and take registers, nothing else."
)


class MentorTrainingForm(forms.Form):
    previously_trained = forms.BooleanField(
        label="Already trained as a mentor",
        required=False,
        help_text="Previously trained mentors do not need to repeat the mentors’ programme, so they are not expected at its events.",
    )


class GrantHubRoleForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address", help_text="Someone already in the hub. To add someone new, invite them instead."
    )
    hub_role = forms.ChoiceField(label="Hub role", choices=HUB_ROLE_CHOICES, widget=forms.RadioSelect, help_text=HUB_ROLE_HELP)


class ChangeHubRoleForm(forms.Form):
    NONE = "none"

    hub_role = forms.ChoiceField(
        label="Hub role", choices=HUB_ROLE_CHOICES + [(NONE, "No hub role")], widget=forms.RadioSelect,
        help_text=HUB_ROLE_HELP,
    )

    def clean_hub_role(self):
        value = self.cleaned_data["hub_role"]
        return HubRole.NONE if value == self.NONE else value


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Registration file (CSV)",
        help_text="Our registrations file or the DfE's participant file, as downloaded; the format is recognised by its header.",
    )

    def clean_file(self):
        from participants.uploads import MAX_BYTES

        file = self.cleaned_data["file"]
        if file.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 1_000_000} MB.")
        if not file.size:
            raise forms.ValidationError("The file is empty.")
        return file
