"""The form for one academic year's term dates: six half terms, each with a first and last day.

The rules are `schools.terms.validate_year`'s; this form only puts each problem on the field it
is about, so the person editing sees it next to the date to change.
"""

from django import forms

from participants.forms import DateInput
from schools import terms
from schools.models import HALF_TERM_ORDER, HalfTermName


def year_label(academic_year):
    """2025 → "2025/26"."""
    return f"{academic_year}/{str(academic_year + 1)[-2:]}"


class Fields:
    """Some of a form's fields, shaped like a form for `form_fields.html` (to lay them out apart)."""

    def __init__(self, *fields):
        self.fields = list(fields)

    def visible_fields(self):
        return self.fields

    def hidden_fields(self):
        return []

    def non_field_errors(self):
        return []


class TermDatesForm(forms.Form):
    """A year's six half terms; with `academic_year` given (editing), the year is not a field."""

    academic_year = forms.IntegerField(
        label="Academic year",
        min_value=2000,
        max_value=2100,
        help_text="The year it starts in: 2026 for 2026/27.",
        error_messages={"required": "Enter the year it starts in, such as 2026.", "invalid": "Enter a year, such as 2026."},
    )

    def __init__(self, *args, hub, academic_year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub, self.year = hub, academic_year
        if academic_year is not None:
            del self.fields["academic_year"]
        for name, label in HalfTermName.choices:
            for end, day in (("start", "first"), ("end", "last")):
                self.fields[f"{name}_{end}"] = forms.DateField(
                    label=f"{label} {day} day",
                    widget=DateInput(),
                    error_messages={
                        "required": f"Enter the {day} day of {label}.",
                        "invalid": f"Enter the {day} day of {label} as a date.",
                    },
                )

    @property
    def year_fields(self):
        return Fields(self["academic_year"]) if "academic_year" in self.fields else None

    @property
    def half_terms(self):
        """[(label, first day's fields, last day's fields)] in order, for a fieldset each."""
        return [
            (label, Fields(self[f"{name}_start"]), Fields(self[f"{name}_end"])) for name, label in HalfTermName.choices
        ]

    @property
    def dates(self):
        """{half-term name: (first day, last day)}, for `schools.terms.save_year`."""
        data = self.cleaned_data
        return {name: (data[f"{name}_start"], data[f"{name}_end"]) for name in HALF_TERM_ORDER}

    def clean_academic_year(self):
        year = self.cleaned_data["academic_year"]
        if year in terms.years(self.hub):
            raise forms.ValidationError(f"{year_label(year)} already has term dates: edit that year instead.")
        return year

    def clean(self):
        data = super().clean()
        year = self.year or data.get("academic_year")
        if year is None or self.errors:
            return data
        for name, column, message in terms.validate_year(year, self.dates):
            field = f"{name}_{column.removesuffix('_date')}" if name else None
            self.add_error(field, message)
        return data
