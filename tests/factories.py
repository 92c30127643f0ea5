"""factory-boy factories for every model. Tenant rows take their hub from their parent."""

import datetime
import time

import factory
from factory.django import DjangoModelFactory

from engagement.models import CoachingCycle
from events.models import Booking, Event, Session
from nudges.models import HubNudgeSettings, Nudge, NudgeEmail, OptOut, RuleSetting, SchoolPause
from participants.accounts import set_primary_address
from participants.models import (
    ECT,
    ECTStatus,
    ECTAtSchool,
    InductionTutor,
    Mentor,
    MentorAssignment,
    Person,
    User,
)
from schools.models import Hub, School

PASSWORD = "correct-horse-battery-staple"
# Every hub staff member made here has an authenticator app with this secret (hub roles must use
# two-factor authentication); `totp_code()` gives its current code.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret=TOTP_SECRET, offset=0):
    """The authenticator app's code now (or `offset` periods from now). Within two seconds of the end
    of a 30-second period it waits for the next one, as a person would: a code typed at the very end
    of its period can reach the server in the next, which refuses it (a flaky test on a busy machine)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    left = 30 - time.time() % 30
    if left < 2:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def give_authenticator(user, secret=TOTP_SECRET):
    """Set up an authenticator app (and recovery codes) for `user`, as if done on the MFA page."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)


class HubFactory(DjangoModelFactory):
    class Meta:
        model = Hub
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"hub-{n}")
    name = factory.Sequence(lambda n: f"Teaching School Hub {n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    hub = factory.SubFactory(HubFactory)
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Sequence(lambda n: f"School {n} Academy")


class UserFactory(DjangoModelFactory):
    """An account whose address is proven (as after a first sign-in by code); `email_verified=False`
    for one a hub has just created."""

    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def email_verified(user, create, extracted, **kwargs):
        if create:
            set_primary_address(user, verified=extracted is not False)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    hub = factory.SubFactory(HubFactory)
    user = factory.SubFactory(UserFactory)
    first_name = factory.SelfAttribute("user.first_name")
    last_name = factory.SelfAttribute("user.last_name")

    @factory.post_generation
    def authenticator(person, create, extracted, **kwargs):
        """Hub staff, admins and facilitators have an authenticator app unless `authenticator=False`."""
        if create and person.has_hub_role and extracted is not False:
            give_authenticator(person.user)


class InductionTutorFactory(DjangoModelFactory):
    class Meta:
        model = InductionTutor

    school = factory.SubFactory(SchoolFactory)
    hub = factory.SelfAttribute("school.hub")
    person = factory.SubFactory(PersonFactory, hub=factory.SelfAttribute("..hub"))
    started_on = datetime.date(2024, 9, 1)


class MentorFactory(InductionTutorFactory):
    class Meta:
        model = Mentor


class ECTFactory(DjangoModelFactory):
    class Meta:
        model = ECT
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    hub = factory.SelfAttribute("school.hub")
    person = factory.SubFactory(PersonFactory, hub=factory.SelfAttribute("..hub"))
    programme = "ecte2025"
    cohort_start_year = 2025
    induction_start_date = datetime.date(2025, 9, 3)

    @factory.post_generation
    def status(obj, create, extracted, **kwargs):
        if create:
            ECTStatus.objects.create(hub=obj.hub, ect=obj, status=extracted or "active", started_on=obj.induction_start_date)

    @factory.post_generation
    def school_period(obj, create, extracted, **kwargs):
        if create:
            ECTAtSchool.objects.create(hub=obj.hub, ect=obj, school=obj.school, started_on=obj.induction_start_date)


class MentorAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = MentorAssignment

    ect = factory.SubFactory(ECTFactory)
    hub = factory.SelfAttribute("ect.hub")
    mentor = factory.SubFactory(MentorFactory, school=factory.SelfAttribute("..ect.school"))
    started_on = factory.SelfAttribute("ect.induction_start_date")


class CoachingCycleFactory(DjangoModelFactory):
    class Meta:
        model = CoachingCycle

    ect = factory.SubFactory(ECTFactory)
    hub = factory.SelfAttribute("ect.hub")
    mentor = factory.SubFactory(MentorFactory, school=factory.SelfAttribute("..ect.school"))
    observed_on = datetime.date(2025, 10, 1)
    focus = "Entry routine"


class EventFactory(DjangoModelFactory):
    """A hub's own ECT clinic unless told otherwise (pass `audience="mentor", programme="", ect_year=None`)."""

    class Meta:
        model = Event

    hub = factory.SubFactory(HubFactory)
    event_code = factory.Sequence(lambda n: f"hub-event-{n}")
    title = factory.Sequence(lambda n: f"Clinic {n}")
    kind = "clinic"
    audience = "ect"
    programme = "ecte2025"
    ect_year = 1
    attendance_expected = True
    self_booking = True


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    event = factory.SubFactory(EventFactory)
    hub = factory.SelfAttribute("event.hub")
    session_code = factory.Sequence(lambda n: f"S{n:04d}")
    date = datetime.date(2025, 11, 12)
    start_time = datetime.time(16, 0)
    end_time = datetime.time(17, 0)
    format = "in_person"
    venue = "Hub Centre"
    address = "1 High Street"
    capacity = 30
    booking_deadline = factory.LazyAttribute(lambda s: s.date - datetime.timedelta(days=7))


class BookingFactory(DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    hub = factory.SelfAttribute("session.hub")
    event = factory.SelfAttribute("session.event")
    person = factory.SubFactory(PersonFactory, hub=factory.SelfAttribute("..hub"))
    status = "booked"
class HubNudgeSettingsFactory(DjangoModelFactory):
    class Meta:
        model = HubNudgeSettings
        django_get_or_create = ("hub",)

    hub = factory.SubFactory(HubFactory)


class RuleSettingFactory(DjangoModelFactory):
    class Meta:
        model = RuleSetting
        django_get_or_create = ("hub", "rule")

    hub = factory.SubFactory(HubFactory)
    rule = "missed_study"
    enabled = True


class NudgeEmailFactory(DjangoModelFactory):
    class Meta:
        model = NudgeEmail

    recipient = factory.SubFactory(PersonFactory)
    hub = factory.SelfAttribute("recipient.hub")
    to_address = factory.SelfAttribute("recipient.user.email")
    rule = "missed_study"
    run_on = datetime.date(2025, 10, 13)
    subject = "A gentle reminder about your study"
    text_body = "Hello"
    html_body = "<p>Hello</p>"


class NudgeFactory(DjangoModelFactory):
    """An automatic missed-study nudge, planned; pass `status`, `rule`, `about`, `email` as needed."""

    class Meta:
        model = Nudge

    recipient = factory.SubFactory(PersonFactory)
    hub = factory.SelfAttribute("recipient.hub")
    key = factory.Sequence(lambda n: f"missed_study:test-{n}:2025-10-10")
    rule = "missed_study"
    period_end = datetime.date(2025, 10, 10)


class SchoolPauseFactory(DjangoModelFactory):
    class Meta:
        model = SchoolPause

    school = factory.SubFactory(SchoolFactory)
    hub = factory.SelfAttribute("school.hub")
    until = datetime.date(2025, 12, 19)


class OptOutFactory(DjangoModelFactory):
    class Meta:
        model = OptOut

    person = factory.SubFactory(PersonFactory)
    hub = factory.SelfAttribute("person.hub")
    via = "link"
