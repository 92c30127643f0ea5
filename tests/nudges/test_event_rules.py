"""Event reminders and catch-up notices go through the nudges machinery (issue 13, rule 6): planned
in the nightly run, keyed, capped, paused, opted out, recorded in the outbox and on the timeline."""

import icalendar
import pytest
from django.core import mail

from events import booking as bookings
from events import registers, sessions
from events.models import CatchUp
from nudges import sending
from nudges.models import ENGAGEMENT_RULES, Nudge, RuleSetting
from participants import services
from tests import factories
from tests.nudges.conftest import D, send_nudges, studied

pytestmark = pytest.mark.django_db

SESSION_DAY = D(2025, 10, 20)  # a Monday; the week reminder is due on the 13th and 14th, the day one on the 19th and 20th
LINE = "event_reminder,sam@north.example.org,sam@north.example.org,{}"


@pytest.fixture
def booked(place, unscoped):
    """Sam (an ECT at North School) booked on an online clinic session on Monday 20 October."""
    place.sam = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    place.clinic = factories.EventFactory(hub=place.hub, title="Clinic 4: Thinking hard", catch_up_materials="Read chapter 4")
    place.session = factories.SessionFactory(
        event=place.clinic, date=SESSION_DAY, format="online", venue="", address="", online_url="https://meet.example.org/secret-a",
    )
    place.booking = factories.BookingFactory(session=place.session, person=place.sam.person)
    for rule in ENGAGEMENT_RULES:  # Sam has not studied: only the rules about events here
        factories.RuleSettingFactory(hub=place.hub, rule=rule, enabled=False)
    return place


def _reminders(place):
    return list(Nudge.objects.filter(hub=place.hub, rule="event_reminder").order_by("period_end", "key"))


def test_a_booked_person_is_reminded_a_week_before_and_the_day_before_each_once(booked):
    assert send_nudges(booked.hub, D(2025, 10, 13)) == [LINE.format("sent"), "1 message"]
    assert send_nudges(booked.hub, D(2025, 10, 13)) == ["0 messages"]
    assert send_nudges(booked.hub, D(2025, 10, 14)) == ["0 messages"]
    [week] = mail.outbox
    assert week.to == ["sam@north.example.org"] and week.subject == "Reminder: Clinic 4: Thinking hard on 20 Oct 2025"
    assert "https://meet.example.org/secret-a" in week.body and "Monday 20 Oct 2025, 16:00 to 17:00" in week.body
    assert "List-Unsubscribe" in week.extra_headers and week.reply_to == ["hello@north.example.org"]
    filename, content, mimetype = week.attachments[0]
    assert filename == "invite.ics" and mimetype.startswith("text/calendar")
    assert [str(e["summary"]) for e in icalendar.Calendar.from_ical(content).walk("VEVENT")] == ["Clinic 4: Thinking hard"]

    # Sunday: not a term-time weekday, but a reminder is not held (it would be after the session)
    assert send_nudges(booked.hub, D(2025, 10, 19)) == [LINE.format("sent"), "1 message"]
    assert send_nudges(booked.hub, D(2025, 10, 20)) == ["0 messages"]
    assert mail.outbox[1].subject == "Reminder: Clinic 4: Thinking hard tomorrow"
    assert mail.outbox[1].attachments[0][0] == "invite.ics"
    assert [(n.details["kind"], n.status) for n in _reminders(booked)] == [("day", "sent"), ("week", "sent")]


def test_a_cancelled_session_or_place_gets_no_reminder_and_a_moved_session_is_reminded_again(booked):
    other = factories.BookingFactory(session=booked.session, person=booked.ect("kim@north.example.org").person)
    bookings.cancel(other, by_staff=True)
    assert send_nudges(booked.hub, D(2025, 10, 13)) == [LINE.format("sent"), "1 message"]
    sessions.update_session(booked.session, {"date": D(2025, 10, 21), "booking_deadline": D(2025, 10, 14)})
    assert send_nudges(booked.hub, D(2025, 10, 14)) == [LINE.format("sent"), "1 message"]  # the new date's week reminder
    bookings.cancel(booked.booking, by_staff=True)
    assert send_nudges(booked.hub, D(2025, 10, 20)) == ["0 messages"]
    unbooked = factories.SessionFactory(event=booked.clinic, date=D(2025, 11, 3))
    factories.BookingFactory(session=unbooked, person=booked.sam.person)
    sessions.cancel_session(unbooked)
    assert send_nudges(booked.hub, D(2025, 10, 27)) == ["0 messages"]
    assert len(mail.outbox) == 2


def test_reminders_count_against_the_weekly_cap_and_go_before_other_nudges(booked):
    RuleSetting.objects.filter(rule="missed_study").update(enabled=True)
    studied(booked.sam, D(2025, 9, 3), D(2025, 9, 17))  # missed the fortnight ending 10 October
    assert send_nudges(booked.hub, D(2025, 10, 13)) == [
        LINE.format("sent"), "missed_study,sam@north.example.org,sam@north.example.org,capped", "2 messages",
    ]
    assert [m.subject for m in mail.outbox] == ["Reminder: Clinic 4: Thinking hard on 20 Oct 2025"]
    assert send_nudges(booked.hub, D(2025, 10, 19)) == [LINE.format("sent"), "1 message"]  # reminders do not cap reminders


def test_another_nudge_in_the_last_week_caps_a_reminder(booked):
    factories.NudgeEmailFactory(recipient=booked.sam.person, rule="missed_study", run_on=D(2025, 10, 10), status="sent")
    assert send_nudges(booked.hub, D(2025, 10, 13)) == [LINE.format("capped"), "1 message"]
    assert mail.outbox == []


def test_an_opt_out_or_a_school_pause_suppresses_reminders(booked):
    factories.OptOutFactory(person=booked.sam.person)
    assert send_nudges(booked.hub, D(2025, 10, 13)) == [LINE.format("suppressed"), "1 message"]
    booked.sam.person.nudge_opt_out.delete()
    factories.SchoolPauseFactory(school=booked.school, until=D(2025, 10, 31))
    assert send_nudges(booked.hub, D(2025, 10, 19)) == [LINE.format("suppressed"), "1 message"]
    assert [n.status_reason for n in _reminders(booked)] == ["school paused until 31 Oct 2025", "opted out"]
    assert mail.outbox == []


def test_a_paused_or_left_ect_is_not_reminded(booked):
    services.change_ect_status(booked.sam, "paused", actor=None, on=D(2025, 10, 1))
    assert send_nudges(booked.hub, D(2025, 10, 13)) == ["0 messages"]
    services.change_ect_status(booked.sam, "active", actor=None, on=D(2025, 10, 18))
    assert send_nudges(booked.hub, D(2025, 10, 19)) == [LINE.format("sent"), "1 message"]
    conference = factories.EventFactory(hub=booked.hub, title="Conference 3", kind="conference")
    factories.BookingFactory(session=factories.SessionFactory(event=conference, date=D(2025, 11, 10)), person=booked.sam.person)
    services.change_ect_status(booked.sam, "left", actor=None, on=D(2025, 10, 20))
    assert send_nudges(booked.hub, D(2025, 11, 3)) == ["0 messages"]


def test_a_hub_can_switch_reminders_off(booked):
    factories.RuleSettingFactory(hub=booked.hub, rule="event_reminder", enabled=False)
    assert send_nudges(booked.hub, D(2025, 10, 13)) == ["0 messages"]


def test_a_hub_can_change_the_wording(booked):
    factories.RuleSettingFactory(hub=booked.hub, rule="event_reminder", subject="See you {when} at {event}", body="Hi {first_name}!")
    send_nudges(booked.hub, D(2025, 10, 19))
    [message] = mail.outbox
    assert message.subject == "See you tomorrow at Clinic 4: Thinking hard" and message.body.startswith("Hi Sam!")


def test_the_outbox_and_the_timeline_show_reminders(booked, client):
    send_nudges(booked.hub, D(2025, 10, 13))
    staff = factories.PersonFactory(hub=booked.hub, hub_role="staff")
    client.force_login(staff.user)
    rows = client.get("/hub/nudges/", {"rule": "event_reminder"}, headers={"HX-Request": "true"}).content.decode()
    assert "<td>Event reminder</td>" in rows and "Reminder: Clinic 4: Thinking hard on 20 Oct 2025" in rows and "Sam" in rows
    assert "Event reminder" not in client.get("/hub/nudges/", {"rule": "catch_up"}, headers={"HX-Request": "true"}).content.decode()
    timeline = client.get(f"/people/{booked.sam.person.code}/").content.decode()
    assert "E-mail “Event reminder: Clinic 4: Thinking hard” to them: sent" in timeline
    detail = client.get(f"/hub/nudges/{Nudge.objects.get().code}/").content.decode()
    assert "Reminder: Clinic 4: Thinking hard on 20 Oct 2025" in detail and "invite.ics" not in detail


def test_the_settings_page_previews_the_event_wording(booked, client):
    staff = factories.PersonFactory(hub=booked.hub, hub_role="staff")
    client.force_login(staff.user)
    page = client.get("/hub/nudges/settings/").content.decode()
    assert 'id="rule-event_reminder"' in page and 'id="rule-catch_up"' in page
    assert "<code>{when}</code>" in page and "<code>{due_date}</code>" in page
    assert "Reminder: Clinic 4: Thinking hard tomorrow" in page
    preview = client.post(
        "/hub/nudges/settings/",
        {"preview": "catch_up", "catch_up-enabled": "on", "catch_up-subject": "Due {due_date}", "catch_up-body": "Hi {first_name}"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Due " in preview and "{due_date}" not in preview


# --- Catch-ups -------------------------------------------------------------------------------------


CATCH_UP = "catch_up,sam@north.example.org,sam@north.example.org,{}"


@pytest.fixture
def missed(booked):
    """Sam missed Clinic 3's session of Wednesday 8 October: a catch-up due on the 22nd."""
    clinic = factories.EventFactory(hub=booked.hub, title="Clinic 3: Questioning", catch_up_materials="Read chapter 3")
    held = factories.SessionFactory(event=clinic, date=D(2025, 10, 8))
    registers.mark(factories.BookingFactory(session=held, person=booked.sam.person), "absent", None)
    booked.catch_up = CatchUp.objects.get()
    bookings.cancel(booked.booking, by_staff=True)  # no reminders in the way
    return booked


def test_a_catch_up_is_told_once_then_once_more_near_its_due_date(missed):
    assert missed.catch_up.due_on == D(2025, 10, 22)
    assert send_nudges(missed.hub, D(2025, 10, 13)) == [CATCH_UP.format("sent"), "1 message"]
    assert send_nudges(missed.hub, D(2025, 10, 14)) == ["0 messages"]
    [told] = mail.outbox
    assert told.subject == "Catch-up for Clinic 3: Questioning: due 22 Oct 2025"
    assert "Read chapter 3" in told.body and f"/events/catch-ups/{missed.catch_up.code}/" in told.body
    assert told.attachments == []
    assert send_nudges(missed.hub, D(2025, 10, 20)) == [CATCH_UP.format("sent"), "1 message"]  # due in two days
    assert "it is due on 22 Oct 2025, so now is a good time" in mail.outbox[1].body
    assert send_nudges(missed.hub, D(2025, 10, 21)) == ["0 messages"]


def test_a_catch_up_done_gets_no_further_notice(missed):
    send_nudges(missed.hub, D(2025, 10, 13))
    registers.complete_catch_up(missed.catch_up, missed.sam.person.user)
    assert send_nudges(missed.hub, D(2025, 10, 20)) == ["0 messages"]
    assert len(mail.outbox) == 1


def test_a_catch_up_long_overdue_is_recorded_stale_not_sent(missed):
    assert send_nudges(missed.hub, D(2025, 11, 10)) == [CATCH_UP.format("stale"), "1 message"]
    assert Nudge.objects.get(rule="catch_up").status_reason == "its due date was more than 14 days before"
    assert mail.outbox == []


def test_a_catch_up_notice_is_capped_like_other_nudges(missed):
    factories.NudgeEmailFactory(recipient=missed.sam.person, rule="praise", run_on=D(2025, 10, 12), status="sent")
    assert send_nudges(missed.hub, D(2025, 10, 13)) == [CATCH_UP.format("capped"), "1 message"]


def test_the_dry_run_records_nothing(booked):
    assert send_nudges(booked.hub, D(2025, 10, 13), "--dry-run") == [LINE.format("sent"), "1 message (dry run: nothing sent or recorded)"]
    assert not Nudge.objects.exists() and mail.outbox == []


def test_the_run_groups_each_reminder_in_its_own_email(booked):
    second = factories.SessionFactory(event=factories.EventFactory(hub=booked.hub, title="Conference 3", kind="conference"), date=D(2025, 10, 19))
    factories.BookingFactory(session=second, person=booked.sam.person)
    result = sending.run(booked.hub, D(2025, 10, 13))
    assert len(result.emails) == 2  # the week reminder of the 20th, and the one of the 19th


def test_a_reminder_whose_booking_changed_after_the_run_is_withdrawn_when_it_would_go(booked):
    [email] = sending.run(booked.hub, D(2025, 10, 13)).emails
    bookings.cancel(booked.booking, by_staff=True)
    assert sending.send_email(email.pk) == "withdrawn"
    nudge = Nudge.objects.get()
    assert (nudge.status, nudge.status_reason) == ("suppressed", "its booking or session changed before it was sent")
    assert sending.send_email(email.pk) is None and mail.outbox == []


def test_a_batch_withdraws_the_reminder_of_a_moved_session_and_sends_the_rest(booked):
    kim = booked.ect("kim@north.example.org").person
    factories.BookingFactory(session=factories.SessionFactory(event=booked.clinic, date=SESSION_DAY), person=kim)
    emails = sending.run(booked.hub, D(2025, 10, 13)).emails
    sessions.update_session(booked.session, {"date": D(2025, 10, 22), "booking_deadline": D(2025, 10, 15)})
    statuses = sending.send_emails([email.pk for email in emails])
    assert sorted(statuses.values()) == ["sent", "withdrawn"]
    assert [m.to for m in mail.outbox] == [["kim@north.example.org"]]
    assert sorted(Nudge.objects.values_list("status", flat=True)) == ["sent", "suppressed"]
