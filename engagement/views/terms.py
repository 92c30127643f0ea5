"""Hub staff keep their hub's term dates: list the years, add one, edit one, copy the last forward to check.

The rules live in `schools.terms`; these views only call them and show what they say.
"""

from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from engagement.periods import HalfTermDates, term_weeks
from engagement.term_forms import TermDatesForm, year_label
from participants import access
from participants.cohorts import academic_year_of
from schools import terms


@dataclass(frozen=True)
class Year:
    academic_year: int
    half_terms: list  # [(HalfTerm, its number of term weeks)]

    @property
    def label(self):
        return year_label(self.academic_year)

    @property
    def weeks(self):
        return sum(weeks for _, weeks in self.half_terms)


def _with_weeks(half_terms):
    """Each half term with its number of term weeks (the weeks study and coaching count)."""
    dates = [HalfTermDates(h.start_date, h.end_date, (h.academic_year, h.name)) for h in half_terms]
    weeks = Counter(half_term.key for _, half_term in term_weeks(dates))
    return [(h, weeks[h.academic_year, h.name]) for h in half_terms]


def _half_terms_of_year(request, academic_year):
    """The active hub's half terms of the year, for hub staff only; 404 for anyone else or no such year."""
    access.require_hub_staff(request.viewer)
    half_terms = terms.years(request.hub).get(academic_year)
    if not half_terms:
        raise Http404("Not found")
    return half_terms


def _save(form, academic_year, hub):
    """Save the year; a rule it breaks with the years either side goes on the form (nothing saved)."""
    try:
        terms.save_year(hub, academic_year, form.dates)
    except terms.TermDatesError as error:
        for message in error.errors:
            form.add_error(None, message)
        return False
    return True


@login_required
def term_dates(request):
    access.require_hub_staff(request.viewer)
    stored = terms.years(request.hub)
    years = [Year(year, _with_weeks(half_terms)) for year, half_terms in sorted(stored.items(), reverse=True)]
    next_year_label = year_label(years[0].academic_year + 1) if years else None
    return render(request, "engagement/term_dates.html", {"years": years, "next_year_label": next_year_label})


@login_required
def term_dates_new(request):
    access.require_hub_staff(request.viewer)
    stored = terms.years(request.hub)
    initial = {"academic_year": max(stored) + 1 if stored else academic_year_of(timezone.localdate())}
    form = TermDatesForm(request.POST or None, hub=request.hub, initial=initial)
    if form.is_valid() and _save(form, form.cleaned_data["academic_year"], request.hub):
        messages.success(request, f"Term dates for {year_label(form.cleaned_data['academic_year'])} added.")
        return redirect("term_dates")
    return render(request, "engagement/term_dates_form.html", {"form": form})


@login_required
def term_dates_edit(request, academic_year):
    half_terms = _half_terms_of_year(request, academic_year)
    initial = {}
    for half_term in half_terms:
        initial |= {f"{half_term.name}_start": half_term.start_date, f"{half_term.name}_end": half_term.end_date}
    form = TermDatesForm(request.POST or None, hub=request.hub, academic_year=academic_year, initial=initial)
    if form.is_valid() and _save(form, academic_year, request.hub):
        messages.success(request, f"Term dates for {year_label(academic_year)} saved.")
        return redirect("term_dates")
    return render(request, "engagement/term_dates_form.html", {"form": form, "year_label": year_label(academic_year)})


@login_required
@require_GET
def term_dates_copy_forward(request):
    """The next year's form filled in from the last year, 52 weeks later, for the hub to check: nothing
    is saved until they press Save (the form posts to `term_dates_new`)."""
    access.require_hub_staff(request.viewer)
    try:
        year, dates = terms.copy_forward(request.hub)
    except terms.TermDatesError as error:
        for message in error.errors:
            messages.error(request, message)
        return redirect("term_dates")
    initial = {"academic_year": year}
    for name, (start, end) in dates.items():
        initial |= {f"{name}_start": start, f"{name}_end": end}
    form = TermDatesForm(hub=request.hub, initial=initial)
    context = {"form": form, "copy_of": year_label(year - 1), "copy_label": year_label(year)}
    return render(request, "engagement/term_dates_form.html", context)
