"""The demo hub with a year of history, for `manage.py seed_demo`: deterministic, safe to run again.

People come from `participants.demo`. This module adds the hub's term dates (shipped in
`schools/data/`) and, up to today, what a hub would have seen over the year: ECTs' self-study,
mentors' coaching cycles, drop-ins and pastoral meetings, and induction tutors' formal
observations. Most ECTs study in most periods, a few struggle, two stopped recently and two now
and then catch up on a missed module as well as the one due (two in one period); most mentors
coach in most periods, some miss a few and one stopped recently. Finally the hub's stored
engagement is recomputed, so the pages that read it show the history at once, and the hub's report
and the demo tutor's school's report (PDF) are made if none is ready to download.

Every choice comes from a `random.Random` seeded by who and when (an ECT's e-mail and the period),
so what happens in a period does not depend on the day the command runs (only who "stopped
recently" moves with today): a run writes what is dated up to today and skips what is there.
"""

import datetime
import random
from pathlib import Path

from django.db import transaction
from django.dispatch import Signal
from django.db.models import Max
from django.utils import timezone

from engagement import compute
from engagement.calendar import days, hub_half_terms, induction_periods
from engagement.coaching import formal_observation_windows
from engagement.models import (
    CoachingCycle,
    FormalObservation,
    MeetingKind,
    MentorMeeting,
    ObservationOutcome,
    ProgrammeVersion,
    ReportRequest,
    StudyRecord,
)
from engagement import study
from events import demo as events_demo
from participants import demo as people
from participants.cohorts import academic_year_of
from participants.models import ECT, ECTStatusKind, InductionTutor, Mentor, Person
from schools import terms
from schools.models import HalfTerm, Hub
from schools.scoping import hub_scope

TERM_DATES_CSV = Path(terms.__file__).resolve().parent / "data" / "term_dates_england.csv"
ONE_DAY = datetime.timedelta(days=1)

# How ECTs study and mentors coach: the share of periods in which they do.
STEADY, STRUGGLING, STOPPED, DOUBLING = "steady", "struggling", "stopped", "doubling"
STUDY_RATES = {STEADY: (0.85, 0.95), STRUGGLING: (0.5, 0.6), STOPPED: (0.95, 1.0), DOUBLING: (0.82, 0.9)}
RELIABLE, PATCHY = "reliable", "patchy"
COACHING_RATES = {RELIABLE: (0.85, 0.97), PATCHY: (0.55, 0.7), STOPPED: (0.85, 0.95)}
STOPPED_PERIODS = 3  # a stopped ECT has not studied in their last three judged periods (two in a short history)
MENTOR_STOPPED_DAYS = 15  # a stopped mentor has not observed for about two weeks

# (focus, action step, model, practice): bite-sized instructional-coaching action steps.
ACTION_STEPS = [
    (
        "Getting full attention before instructions",
        "Use a countdown from five and wait for silence before giving instructions",
        "I modelled the countdown with a calm, even voice, stopping at one and waiting, scanning the room without speaking until it was silent.",
        "Rehearsed the countdown three times with me as the class, including me carrying on talking at 'two'.",
    ),
    (
        "Questioning to check understanding",
        "Cold call after think-pair-share instead of taking hands up",
        "I showed the sequence: ask the question, 30 seconds' thinking time, pair talk, then 'Amira, what did your pair decide?'",
        "Planned three questions for tomorrow's lesson and practised the wording of each cold call aloud.",
    ),
    (
        "Modelling new content",
        "Model the first worked example aloud, then fade to a partly completed example",
        "I thought aloud through a worked example, naming each step and the decision behind it, then covered the last two steps for pupils to finish.",
        "Scripted the think-aloud for Thursday's first example and delivered it to me twice.",
    ),
    (
        "Checking for understanding",
        "Use mini-whiteboards to check every pupil's answer before moving on",
        "I modelled 'three, two, one, show me', scanning row by row and naming what I saw: 'Most have 3/4; a few of you have 4/3.'",
        "Practised the routine and what to say when a third of the class get it wrong.",
    ),
    (
        "Clarity of instructions",
        "Give instructions as What, How long, What done looks like, then ask one pupil to repeat them",
        "I gave the same instruction twice, first as a long paragraph and then in three short steps, and we compared.",
        "Rewrote the instructions for two tasks in the next lesson and delivered them to me.",
    ),
    (
        "Positive framing",
        "Narrate the positive: name two pupils doing it right before correcting anyone",
        "I modelled 'Ben's already on question two, Chloe has the date underlined…' before a private reminder to one pupil.",
        "Practised narrating three positives in under ten seconds, with me playing a slow starter.",
    ),
    (
        "Low-level disruption",
        "Use the least invasive intervention first: a look, a gesture, then a quiet word",
        "I showed the escalation: pause and look, non-verbal point to the task, then a quiet word at the desk while the lesson carries on.",
        "Role-played three scenarios (calling out, tapping, turning round) and chose the least invasive response to each.",
    ),
    (
        "Responsive teaching",
        "Plan two hinge questions and decide in advance what you will do with each wrong answer",
        "I shared a hinge question with three plausible wrong answers and the re-teach I would use for each.",
        "Wrote hinge questions for Wednesday's lesson and talked me through the plan for each wrong answer.",
    ),
    (
        "Pace and task completion",
        "Chunk the task with a visible timer and a quick check between each chunk",
        "I modelled setting the first chunk for four minutes, then a 30-second check: 'Thumbs on the table when question 3 is done.'",
        "Split tomorrow's main task into three chunks and timed each one aloud with me.",
    ),
    (
        "Vocabulary and reading",
        "Pre-teach the three key words with pupil-friendly definitions before the reading",
        "I taught 'photosynthesis' with a definition, an example, a non-example and choral repetition.",
        "Chose the three words for the next text and practised teaching one in under two minutes.",
    ),
    (
        "Teacher presence",
        "Stand still and face the class when giving instructions; circulate only once everyone has started",
        "I gave an instruction while walking, then again from a fixed point at the front, and we discussed the difference.",
        "Practised giving two instructions from the front, then the first lap of circulation.",
    ),
    (
        "Stretching thinking",
        "Follow a correct answer with 'Why?' or 'Tell me more' before moving on",
        "I modelled three follow-up prompts after a correct answer and how to bounce the answer to another pupil.",
        "Planned where to use follow-up prompts in the next lesson and rehearsed them with me as the pupil.",
    ),
    (
        "Oracy",
        "Use 'Say it again, better' so pupils answer in full sentences with the key vocabulary",
        "I took a one-word answer and modelled the prompt, then the improved answer with the key term.",
        "Practised the prompt with five typical one-word answers from the class.",
    ),
    (
        "Success criteria",
        "Show a strong and a weak example side by side and ask pupils to name the difference",
        "I showed two paragraphs under the visualiser and led pupils to the two features that made one stronger.",
        "Wrote a weak and a strong example for Friday's task and practised the questions to draw out the difference.",
    ),
    (
        "Adaptive teaching",
        "Circulate on a planned route to the four pupils who need support first",
        "I sketched the seating plan and showed the route I would take in the first three minutes of independent work.",
        "Marked the route on the seating plan for the next lesson and walked it with me.",
    ),
    (
        "Feedback in lessons",
        "Live-mark one pupil's work under the visualiser and model the corrections",
        "I live-marked an anonymised answer, thinking aloud about what was good and what to fix.",
        "Chose a piece from today's books and practised live-marking it to me in three minutes.",
    ),
    (
        "Independent practice",
        "Start independent work with five minutes of silent practice before giving any help",
        "I modelled the launch: 'Five minutes, silently, on your own. I'm looking for the first line of working.'",
        "Rehearsed the launch and what to do when a hand goes up in the first minute.",
    ),
    (
        "Retrieval practice",
        "Open with a retrieval starter: two questions on last week and one on last term",
        "I showed a five-question starter and how to go through answers quickly with pupils self-marking.",
        "Wrote next week's starter and practised going through the answers in three minutes.",
    ),
    (
        "Scaffolding writing",
        "Scaffold the extended answer with a sentence starter, then remove it for the second question",
        "I modelled writing the first answer from a sentence starter, then the second with the starter removed.",
        "Planned the scaffold and the point of removing it for Thursday's lesson.",
    ),
    (
        "Assessment for learning",
        "End with a two-question exit ticket and sort the tickets to plan tomorrow's starter",
        "I sorted a pile of exit tickets into three groups and showed how each group shapes the next starter.",
        "Wrote the exit ticket for the next lesson and practised sorting a sample set.",
    ),
    (
        "Transitions",
        "Use one signal for transitions and rehearse it until the change takes under 20 seconds",
        "I modelled the signal, the exact words, and timing the class aloud: 'Eighteen seconds, well done.'",
        "Practised the signal and the positive narration while I timed it.",
    ),
    (
        "Entry routine",
        "Greet at the door with a Do Now already on the board",
        "I stood at the threshold, greeted by name and pointed to the Do Now, narrating: 'Front row already writing, thank you.'",
        "Rehearsed the greeting and the first instruction three times, tightening the wording.",
    ),
]
PASTORAL_STEPS = [
    (
        "Workload and wellbeing",
        "Protect one PPA slot a week for planning the next week's key lessons",
        "I showed how I block out PPA in my calendar and what I do in the first ten minutes of it.",
        "Blocked out next week's slot together and listed the three lessons to plan in it.",
    ),
    (
        "Workload: marking",
        "Use a whole-class feedback sheet for one set of books this week",
        "I walked through a whole-class feedback sheet from my Year 8 set and how long it took.",
        "Started the sheet for the next set of books together.",
    ),
    (
        "Wellbeing",
        "Leave by 5pm on two days this week and note what was left undone",
        "I shared how I decide what can wait until tomorrow.",
        "Chose the two days and wrote them in the planner.",
    ),
]
NEXT_STEPS = [
    "Use it in every lesson with {cls} this week; I'll pop in on {day} to look for it.",
    "Script the exact words on a sticky note on your planner until it feels automatic.",
    "Try it first with {cls}, then with every class next week.",
    "Next observation: same class, the first ten minutes.",
    "Annotate the plan for {day}'s lesson with where you'll use it.",
    "Notice which pupils it works least well for, and we'll talk about them next time.",
    "Use it at least three times in {day}'s lesson with {cls}.",
]
REPEAT_NEXT_STEPS = [
    "Keep the same step for another week: it's happening, but not yet every time.",
    "Same step again: it worked well at the start of the lesson but slipped after the transition.",
    "Stay with this one until it's automatic; I'll look for it with {cls} on {day}.",
]
PASTORAL_NEXT_STEPS = [
    "We'll check in on {day} about how it went.",
    "Back to the instructional action step next cycle.",
    "Let me know if anything gets in the way; we'll look at the planner together next week.",
]
OBSERVATION_NOTES = [
    "Calm start; most pupils working within two minutes. Instructions given while a few were still packing away.",
    "Clear explanation of the key idea. Questions went to volunteers only, so hard to tell who had understood.",
    "Pupils on task in independent work; two needed the task re-explaining individually.",
    "Warm relationships with the class. Some calling out went unchallenged.",
    "Good pace in the first half; the transition to group work took over two minutes.",
    "Strong subject knowledge. The model moved quickly and several pupils copied without following.",
    "Lively discussion; the same four pupils answered most of the questions.",
    "",
    "",
]
REPEAT_OBSERVATION_NOTES = [
    "The action step was used twice and worked well the second time.",
    "Action step seen at the start of the lesson; it slipped after the transition.",
    "Action step used confidently; pupils now expect it.",
]
DROP_IN_OUTCOMES = [
    "it's becoming a habit",
    "used well at the start of the lesson, less so after the transition",
    "pupils responded straight away",
    "not seen this time, so we'll look again next week",
    "much more secure than last week",
]
PASTORAL_NOTES = [
    "Talked through workload before parents' evening; agreed which marking can wait.",
    "Check-in after a difficult week; planned a reset conversation with two pupils.",
    "Wellbeing check-in: feeling more settled now that the timetable is familiar.",
    "Talked about the upcoming formal observation and what to expect.",
    "Caught up after a period of absence; agreed a gentle plan for the next fortnight.",
]
FORMAL_NOTES = {
    ObservationOutcome.ON_TRACK: [
        "Secure routines and clear explanations; pupils made good progress. Next: check understanding of all pupils, not just volunteers.",
        "Well-planned lesson with a clear sequence. Behaviour well managed. Next: stretch the most confident pupils.",
        "Positive relationships and high expectations. Modelling was clear. Next: tighten transitions.",
        "Good use of retrieval at the start; feedback in the lesson moved pupils on. Next: scaffold extended writing.",
    ],
    ObservationOutcome.SUPPORT: [
        "Routines not yet consistent and some low-level disruption went unchallenged. Agreed weekly drop-ins with the mentor.",
        "Explanations were unclear in places and pupils were unsure of the task. Agreed extra planning support.",
    ],
    ObservationOutcome.CONCERN: [
        "Behaviour was not managed well enough for learning to take place. Support plan agreed with the mentor and the appropriate body informed.",
    ],
}
OUTCOME_WEIGHTS = {
    STRUGGLING: [(ObservationOutcome.ON_TRACK, 0.55), (ObservationOutcome.SUPPORT, 0.4), (ObservationOutcome.CONCERN, 0.05)],
    "default": [(ObservationOutcome.ON_TRACK, 0.9), (ObservationOutcome.SUPPORT, 0.1)],
}

PRIMARY_SUBJECTS = ["maths", "English", "phonics", "reading", "science", "history", "geography", "RE", "PE", "art"]
SECONDARY_SUBJECTS = ["maths", "English", "science", "history", "geography", "French", "computing", "art", "music", "RE", "design and technology"]
SIXTH_FORM_SUBJECTS = ["psychology", "sociology", "biology", "economics", "English literature", "maths"]
SPECIAL_CLASSES = ["Oak class (KS3)", "Ash class (KS3)", "Willow class (KS4)", "Rowan class (KS2)"]
SPECIAL_SUBJECTS = ["communication", "numeracy", "life skills", "science", "reading"]
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


TREND_WEEKS = 12

# Sent (with `hub` and `today`) once the demo hub and its figures are seeded, for the apps above
# engagement (nudges) to add their part of the demo.
seeded = Signal()


@transaction.atomic
def seed(today: datetime.date, password: str) -> people.DemoLogins:
    """Build (or top up) the demo hub with its people, term dates and history up to `today`."""
    logins = people.seed(today, password)
    hub = Hub.objects.get(slug=people.HUB_SLUG)
    with hub_scope(hub):
        load_term_dates(hub, today)
        add_history(hub, today)
    events_demo.seed(hub, today)
    events_demo.seed_registers(hub, today)
    events_demo.seed_year(hub, today)
    compute.recompute([hub], today)  # bulk_create sends no signals: store the engagement pages read now
    for weeks_ago in range(TREND_WEEKS - 1, 0, -1):  # and the weeks before, for the dashboards' trend
        compute.store_trend([hub.id], today - datetime.timedelta(weeks=weeks_ago), from_stored=False)
    with hub_scope(hub):
        tutor_school = InductionTutor.objects.get(person__user__email=logins.logins["induction tutor"]).school
        staff = Person.objects.get(user__email=logins.logins["hub staff"])
        add_reports(hub, today, [None, tutor_school], staff)
    seeded.send(sender=seed, hub=hub, today=today)
    return logins


def add_reports(hub, today, schools, staff):
    """A ready report (PDF) of each of `schools` (None: the hub's), made here, as asked by `staff`,
    if there is none to download."""
    from engagement.reports import stored

    for school in schools:
        reports = ReportRequest.objects.filter(hub=hub, school=school)
        ready = reports.filter(status=ReportRequest.Status.READY).exclude(file="")
        if any(report.file.storage.exists(report.file.name) for report in ready):
            continue
        report = reports.filter(as_of=today, status__in=ReportRequest.IN_PROGRESS).first() or ReportRequest.objects.create(
            hub=hub, kind="school" if school else "hub", school=school, as_of=today, requested_by=staff,
        )
        stored.render(report.pk)


def load_term_dates(hub, today):
    """England's term dates for a hub that has none, copied forward until they cover this year."""
    if not HalfTerm.objects.filter(hub=hub).exists():
        terms.import_terms(hub, TERM_DATES_CSV.read_bytes())
    last = HalfTerm.objects.filter(hub=hub).aggregate(last=Max("academic_year"))["last"]
    while last < academic_year_of(today):
        last = terms.copy_forward(hub)


def _rng(*parts):
    """A generator for one decision: the same parts always give the same choices."""
    return random.Random(":".join(map(str, parts)))


def _weekdays(start, end):
    return [day for day in days(start, end) if day.weekday() < 5]


def _pick_day(rng, start, end):
    options = _weekdays(start, end)
    return rng.choice(options) if options else None


def _after_weekdays(day, count):
    while count:
        day += ONE_DAY
        if day.weekday() < 5:
            count -= 1
    return day


def _active_on(statuses, day):
    return any(status.status == ECTStatusKind.ACTIVE and status.contains(day) for status in statuses)


def _at_time(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _ect_profiles(ects, this_year):
    """Most ECTs study steadily; a few struggle; two stopped recently; two ECT2s sometimes double up."""
    profiles = {ect.id: STEADY for ect in ects}
    for index, ect in enumerate(ects):
        if index % 12 == 7:
            profiles[ect.id] = STRUGGLING
    always_active = [
        e for e in ects if profiles[e.id] == STEADY and all(s.status == ECTStatusKind.ACTIVE for s in e.statuses.all())
    ]
    ect1s = [e for e in always_active if e.cohort_start_year == this_year]
    ect2s = [e for e in always_active if e.cohort_start_year < this_year]
    for group, profile, indexes in ((ect2s, STOPPED, [3]), (ect2s, DOUBLING, [6, 9]), (ect1s, STOPPED, [10])):
        for index in indexes:
            if index < len(group):
                profiles[group[index].id] = profile
    return profiles


def _mentor_profiles(mentors, mentored_ids):
    """Most mentors coach reliably; every fifth misses more; one stopped observing recently."""
    profiles = {mentor.id: RELIABLE for mentor in mentors}
    mentoring = [m for m in mentors if m.id in mentored_ids]
    for index, mentor in enumerate(mentoring):
        if index % 5 == 3:
            profiles[mentor.id] = PATCHY
    if len(mentoring) > 12:
        profiles[mentoring[12].id] = STOPPED
    return profiles


def _classes(ect):
    """What this ECT teaches, as (phase, what stays the same): a primary year group, a subject, a class."""
    rng = _rng(ect.person.user.email, "classes")
    name = ect.school.name
    if "Infant" in name:
        return "primary", rng.choice(["Reception", "Year 1", "Year 2"])
    if "Junior" in name:
        return "primary", f"Year {rng.randint(3, 6)}"
    if "Primary" in name:
        return "primary", rng.choice(["Reception", "Year 1", "Year 2"] + [f"Year {n}" for n in range(3, 7)])
    if "Sixth Form" in name:
        return "sixth form", rng.choice(SIXTH_FORM_SUBJECTS)
    if "Special" in name:
        return "special", rng.choice(SPECIAL_CLASSES)
    return "secondary", rng.choice(SECONDARY_SUBJECTS)


def _class_subject(phase, fixed, rng):
    if phase == "primary":
        return f"{fixed} {rng.choice(PRIMARY_SUBJECTS)}"
    if phase == "sixth form":
        return f"Year {rng.choice([12, 13])} {fixed}"
    if phase == "special":
        return f"{fixed}, {rng.choice(SPECIAL_SUBJECTS)}"
    year = rng.randint(7, 11)
    return f"{year}{rng.choice('ABCDRXY')} {fixed}"


def _away(period, statuses):
    """Whether the demo ECT is paused or gone on a day of the period: then they do not study or get
    observed (what counts is the engine's to say)."""
    return any(
        s.status != ECTStatusKind.ACTIVE and s.started_on <= period.end and (s.finished_on is None or s.finished_on > period.start)
        for s in statuses
    )


def _may_study(period, statuses, induction_start):
    """Not while paused or after leaving; in the first period, once induction has started."""
    return period.end >= induction_start and not _away(period, statuses)


def _study_plan(ect, profile, today, half_terms, half_term_of, programme, statuses):
    """[(module, done_on)] for the periods up to today: the module due, on a weekday inside the period."""
    key = ect.person.user.email
    rate = _rng(key, "study-rate").uniform(*STUDY_RATES[profile])
    items = [
        item
        for item in study.plan(ect, half_terms=half_terms, programme=programme)
        if item.period.start <= today and _may_study(item.period, statuses, ect.induction_start_date)
    ]
    judged = [item for item in items if item.period.start >= ect.induction_start_date and item.period.is_judged(today)]
    stopped_for = STOPPED_PERIODS if len(judged) > 2 * STOPPED_PERIODS else 2
    stop = judged[-stopped_for].period.start if profile == STOPPED and len(judged) >= stopped_for else None
    plan, missed = [], []
    for item in items:
        if item.module is None:
            continue
        rng = _rng(key, "study", item.period.start)
        half_term = half_term_of[item.period.half_term]
        start = max(item.period.start, half_term.start, ect.induction_start_date)
        end = min(item.period.end, half_term.end)
        day = _pick_day(rng, start, end)
        studied = rng.random() < rate and not (stop and item.period.start >= stop)
        if day is None or not studied:
            missed.append(item.module)
            continue
        if day > today:
            continue
        plan.append((item.module, day))
        if profile == DOUBLING and missed and rng.random() < 0.12:
            plan.append((missed.pop(0), _pick_day(rng, day, min(end, today))))
    return plan


def _coaching_plan(ect, today, half_terms, half_term_of, programme, statuses, mentor_profiles):
    """Coaching cycles at the programme's cadence over the ECT's mentor assignments, up to today."""
    key = ect.person.user.email
    phase, fixed = _classes(ect)
    slots = []
    coaching_periods = induction_periods(half_terms, ect.cohort_start_year, programme.coaching_cadence)
    for assignment in sorted(ect.mentor_assignments.all(), key=lambda a: a.started_on):
        mentor = assignment.mentor
        last_day = assignment.finished_on - ONE_DAY if assignment.finished_on else datetime.date.max
        rate = _rng(mentor.person.user.email, "coaching-rate").uniform(*COACHING_RATES[mentor_profiles[mentor.id]])
        for _, period in coaching_periods:
            if period.end < assignment.started_on or period.start > last_day or period.start > today:
                continue
            if period.start < ect.induction_start_date or _away(period, statuses):
                continue
            rng = _rng(key, "coaching", period.start)
            half_term = half_term_of[period.half_term]
            start = max(period.start, half_term.start, assignment.started_on, ect.induction_start_date)
            observed = _pick_day(rng, start, min(period.end, half_term.end, last_day))
            if observed is not None and rng.random() < rate:
                slots.append((period, mentor, observed, rng))
    latest = max((period.start for _, period in coaching_periods if period.start <= today), default=None)
    steps = list(ACTION_STEPS)
    _rng(key, "steps").shuffle(steps)
    cycles, step_index, previous = [], 0, None
    for n, (period, mentor, observed, rng) in enumerate(slots):
        pastoral = programme.code == "ecte2025" and rng.random() < 0.06
        if pastoral:
            step = rng.choice(PASTORAL_STEPS)
        else:
            if n and rng.random() > 0.3:
                step_index += 1
            step = steps[step_index % len(steps)]
        focus, action_step, model, practice = step
        cls = _class_subject(phase, fixed, rng)
        feedback_on = _after_weekdays(observed, rng.choice([1, 1, 2]))
        repeat = step == previous
        next_steps = rng.choice(PASTORAL_NEXT_STEPS if pastoral else REPEAT_NEXT_STEPS if repeat else NEXT_STEPS)
        next_steps = next_steps.format(cls=cls, day=rng.choice(WEEKDAY_NAMES))
        previous = step
        if observed > today:
            continue
        if mentor_profiles[mentor.id] == STOPPED and period.end >= today - datetime.timedelta(days=MENTOR_STOPPED_DAYS):
            continue
        cycle = CoachingCycle(
            hub=ect.hub, ect=ect, mentor=mentor, observed_on=observed, observation_minutes=rng.choice([15, 15, 15, 20, 20, 18]),
            class_subject=cls, focus=focus, observation_notes=rng.choice(REPEAT_OBSERVATION_NOTES if repeat else OBSERVATION_NOTES),
            pastoral=pastoral,
        )
        held_back = period.start == latest and _rng(key, "pending", period.start).random() < 0.4
        if feedback_on <= today and not held_back:
            cycle.feedback_on, cycle.action_step, cycle.model_shown, cycle.practice, cycle.next_steps = (
                feedback_on, action_step, model, practice, next_steps,
            )
        cycles.append(cycle)
    return cycles


def _meetings_plan(ect, today, half_terms, statuses, cycles):
    """Drop-ins to see an action step live a few days after some feedback sessions, and now and then
    a pastoral meeting in a half term (more often in the first year), on days the ECT was active."""
    key = ect.person.user.email
    meetings = []
    for cycle in cycles:
        rng = _rng(key, MeetingKind.DROP_IN, cycle.observed_on)
        if cycle.pastoral or not cycle.feedback_on or rng.random() >= 0.15:
            continue
        day = _after_weekdays(cycle.feedback_on, rng.randint(2, 4))
        step = cycle.action_step[0].lower() + cycle.action_step[1:]
        notes = f"Ten-minute drop-in to look for the action step ({step}): {rng.choice(DROP_IN_OUTCOMES)}."
        meetings.append(MentorMeeting(hub=ect.hub, ect=ect, mentor=cycle.mentor, kind=MeetingKind.DROP_IN, met_on=day, notes=notes))
    for assignment in ect.mentor_assignments.all():
        last_day = assignment.finished_on - ONE_DAY if assignment.finished_on else today
        for half_term in half_terms:
            rng = _rng(key, MeetingKind.PASTORAL, half_term.start)
            start = max(half_term.start, assignment.started_on, ect.induction_start_date)
            day = _pick_day(rng, start, min(half_term.end, last_day))
            chance = 0.35 if half_term.key[0] == ect.cohort_start_year else 0.2
            if rng.random() < chance and day is not None:
                meetings.append(
                    MentorMeeting(
                        hub=ect.hub, ect=ect, mentor=assignment.mentor, kind=MeetingKind.PASTORAL, met_on=day,
                        notes=rng.choice(PASTORAL_NOTES),
                    )
                )
    mentoring = {a.mentor_id: a for a in ect.mentor_assignments.all()}
    return [m for m in meetings if m.met_on <= today and _active_on(statuses, m.met_on) and mentoring[m.mentor_id].contains(m.met_on)]


def _formal_plan(ect, profile, today, half_term_rows, statuses, tutors, done_dates):
    """One formal observation per half term (ECT1) / term (ECT2), by the school's induction tutor."""
    key = ect.person.user.email
    observations = []
    for window in formal_observation_windows(ect, half_terms=half_term_rows, observations=[]):
        if any(window.start <= day <= window.end for day in done_dates):
            continue
        rng = _rng(key, "formal", window.start)
        start = max(window.start + datetime.timedelta(days=10), ect.induction_start_date)
        options = [day for day in _weekdays(start, window.end - datetime.timedelta(days=5)) if _active_on(statuses, day)]
        if not options or rng.random() < 0.03:
            continue
        day = rng.choice(options)
        tutor = next((t for t in tutors.get(ect.school_id, []) if t.contains(day)), None)
        if day > today or tutor is None:
            continue
        weights = OUTCOME_WEIGHTS.get(profile, OUTCOME_WEIGHTS["default"])
        outcome = rng.choices([o for o, _ in weights], [w for _, w in weights])[0]
        observations.append(
            FormalObservation(
                hub=ect.hub, ect=ect, tutor=tutor, observed_on=day, outcome=outcome, notes=rng.choice(FORMAL_NOTES[outcome])
            )
        )
    return observations


def _backdate(model, rows, day_of, field="created_at"):
    """Date new rows as if recorded on the day they happened (so old coaching cycles are locked)."""
    by_day = {}
    for row in rows:
        by_day.setdefault(day_of(row), []).append(row.pk)
    for day, ids in by_day.items():
        model.objects.filter(pk__in=ids).update(**{field: _at_time(day, 16)})


def add_history(hub, today):
    """Study, coaching, meetings and formal observations up to `today` that are not there yet.

    Returns how many rows of each were added.
    """
    half_term_rows = list(HalfTerm.objects.filter(hub=hub))
    half_terms = hub_half_terms(hub)
    half_term_of = {h.key: h for h in half_terms}
    programmes = {p.code: p for p in ProgrammeVersion.objects.prefetch_related("modules")}
    ects = list(
        ECT.objects.filter(hub=hub)
        .select_related("hub", "person__user", "school")
        .prefetch_related("statuses", "mentor_assignments__mentor__person__user")
        .order_by("school__urn", "id")
    )
    mentors = list(Mentor.objects.filter(hub=hub).select_related("person__user").order_by("school__urn", "started_on", "id"))
    tutors = {}
    for tutor in InductionTutor.objects.filter(hub=hub).order_by("started_on", "id"):
        tutors.setdefault(tutor.school_id, []).append(tutor)
    ect_profiles = _ect_profiles(ects, academic_year_of(today))
    mentor_profiles = _mentor_profiles(mentors, {a.mentor_id for ect in ects for a in ect.mentor_assignments.all()})

    studied = set(StudyRecord.objects.filter(hub=hub).values_list("ect_id", "module_id"))
    cycles_done = {
        (ect_id, mentor_id, observed_on): (pk, feedback_on)
        for pk, ect_id, mentor_id, observed_on, feedback_on in CoachingCycle.objects.filter(hub=hub).values_list(
            "pk", "ect_id", "mentor_id", "observed_on", "feedback_on"
        )
    }
    met = set(MentorMeeting.objects.filter(hub=hub).values_list("ect_id", "mentor_id", "kind", "met_on"))
    formal_done = {}
    for ect_id, observed_on in FormalObservation.objects.filter(hub=hub).values_list("ect_id", "observed_on"):
        formal_done.setdefault(ect_id, []).append(observed_on)

    new_study, new_cycles, feedback_now_given, new_meetings, new_formal = [], [], [], [], []
    for ect in ects:
        programme = programmes[ect.programme]
        statuses = list(ect.statuses.all())
        profile = ect_profiles[ect.id]
        for module, day in _study_plan(ect, profile, today, half_terms, half_term_of, programme, statuses):
            if (ect.id, module.id) not in studied:
                studied.add((ect.id, module.id))
                new_study.append(StudyRecord(hub=hub, ect=ect, module=module, done_on=day))
        cycles = _coaching_plan(ect, today, half_terms, half_term_of, programme, statuses, mentor_profiles)
        for cycle in cycles:
            existing = cycles_done.get((ect.id, cycle.mentor_id, cycle.observed_on))
            if existing is None:
                new_cycles.append(cycle)
            elif existing[1] is None and cycle.feedback_on:
                cycle.pk = existing[0]
                feedback_now_given.append(cycle)
        for meeting in _meetings_plan(ect, today, half_terms, statuses, cycles):
            if (ect.id, meeting.mentor_id, meeting.kind, meeting.met_on) not in met:
                new_meetings.append(meeting)
        new_formal += _formal_plan(ect, profile, today, half_term_rows, statuses, tutors, formal_done.get(ect.id, []))

    StudyRecord.objects.bulk_create(new_study)
    CoachingCycle.objects.bulk_create(new_cycles)
    MentorMeeting.objects.bulk_create(new_meetings)
    FormalObservation.objects.bulk_create(new_formal)
    if feedback_now_given:
        CoachingCycle.objects.bulk_update(
            feedback_now_given, ["feedback_on", "action_step", "model_shown", "practice", "next_steps"]
        )
    _backdate(StudyRecord, new_study, lambda r: r.done_on)
    _backdate(CoachingCycle, new_cycles, lambda c: c.observed_on)
    _backdate(CoachingCycle, new_cycles + feedback_now_given, lambda c: c.feedback_on or c.observed_on, field="updated_at")
    _backdate(MentorMeeting, new_meetings, lambda m: m.met_on)
    _backdate(FormalObservation, new_formal, lambda o: o.observed_on)
    return {
        "study records": len(new_study),
        "coaching cycles": len(new_cycles),
        "feedback added": len(feedback_now_given),
        "meetings": len(new_meetings),
        "formal observations": len(new_formal),
    }
