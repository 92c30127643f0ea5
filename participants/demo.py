"""A realistic demo hub for `manage.py seed_demo`: deterministic, and safe to run again."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from participants import services, uploads
from participants.accounts import set_primary_address
from participants.models import ECT, HubRole, ImportUpload, InductionTutor, Mentor, Person
from schools.models import Hub, School
from schools.scoping import hub_scope

HUB_SLUG = "demo"
HUB_NAME = "Northfield Teaching School Hub"
DEMO_DOMAIN = "demo.example.org"

SCHOOLS = [
    ("137001", "Alder Grove Primary School"),
    ("137002", "Beacon Hill Academy"),
    ("137003", "Castlefield High School"),
    ("137004", "Dovecote Church of England Primary"),
    ("137005", "Eastbrook Community School"),
    ("137006", "Fernside Infant and Nursery School"),
    ("137007", "Greenway Secondary Academy"),
    ("137008", "Hollins Park Junior School"),
    ("137009", "Ivy Lane Primary"),
    ("137010", "Juniper Fields School"),
    ("137011", "Kingsmead Sixth Form College"),
    ("137012", "Larkrise Special School"),
]
FIRST_NAMES = [
    "Aisha", "Ben", "Chloe", "Daniel", "Ella", "Farhan", "Grace", "Harry", "Imogen", "Jamal", "Katie", "Liam",
    "Maya", "Noah", "Olivia", "Priya", "Quentin", "Rosie", "Samir", "Tara", "Usman", "Violet", "Will", "Yasmin",
    "Zara", "Adam", "Bethany", "Callum", "Deborah", "Ethan", "Fatima", "George", "Hannah", "Isaac", "Jess",
]
LAST_NAMES = [
    "Ahmed", "Bailey", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones", "Khan",
    "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Singh", "Taylor", "Underwood",
    "Vaughan", "Walker", "Young", "Zielinski", "Begum", "Chowdhury", "Edwards", "Foster", "Hall",
]


@dataclass
class DemoLogins:
    password: str
    logins: dict = field(default_factory=dict)


def _email(first, last, n):
    return f"{first}.{last}{n}@{DEMO_DOMAIN}".lower().replace("'", "")


def _person(hub, rng, used, n, password_hash):
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) not in used:
            used.add((first, last))
            break
    return _named(hub, _email(first, last, n), first, last, password_hash)


def _named(hub, email, first, last, password_hash):
    """A demo person; their made-up address counts as proven, so the demo logins sign in by password."""
    person = services.get_or_create_person(hub, email, first, last, actor=None)
    if not person.user.has_usable_password():
        person.user.password = password_hash
        person.user.save(update_fields=["password"])
    set_primary_address(person.user, verified=True)
    return person


@transaction.atomic
def seed(today: datetime.date, password: str) -> DemoLogins:
    """Build (or top up) the demo hub as of `today`; the same call twice changes nothing."""
    rng = random.Random(2026)
    hub, _ = Hub.objects.get_or_create(slug=HUB_SLUG, defaults={"name": HUB_NAME})
    result = DemoLogins(password=password)
    password_hash = make_password(password)  # hashed once: every demo login shares it
    with hub_scope(hub):
        admin = _named(hub, f"admin@{DEMO_DOMAIN}", "Helen", "Marsh", password_hash)
        services.set_hub_role(admin, HubRole.ADMIN, actor=None)
        staff = _named(hub, f"staff@{DEMO_DOMAIN}", "Tom", "Okafor", password_hash)
        services.set_hub_role(staff, HubRole.STAFF, actor=None)
        facilitator = _named(hub, f"facilitator@{DEMO_DOMAIN}", "Priya", "Shah", password_hash)
        services.set_hub_role(facilitator, HubRole.FACILITATOR, actor=None)
        result.logins["hub admin"] = admin.user.email
        result.logins["hub staff"] = staff.user.email
        result.logins["facilitator"] = facilitator.user.email

        this_year = today.year if today.month >= 9 else today.year - 1
        used = set()
        n = 0
        for index, (urn, name) in enumerate(SCHOOLS):
            school, _ = School.objects.get_or_create(hub=hub, urn=urn, defaults={"name": name})
            n += 1
            tutor = _person(hub, rng, used, n, password_hash)
            services.add_induction_tutor(tutor, school, actor=None, started_on=datetime.date(this_year - 1, 9, 1))
            mentors = []
            for _ in range(rng.randint(2, 4)):
                n += 1
                mentor_person = _person(hub, rng, used, n, password_hash)
                mentors.append(services.add_mentor(mentor_person, school, actor=None, started_on=datetime.date(this_year - 1, 9, 1)))
            for k in range(5):
                n += 1
                ect_person = _person(hub, rng, used, n, password_hash)
                cohort = this_year if k % 2 == 0 else this_year - 1
                programme = "ecf2021" if cohort < this_year and k == 3 else "ecte2025"
                start = datetime.date(cohort, 9, rng.choice([2, 3, 4]))
                fte = Decimal("0.6") if rng.random() < 0.1 else Decimal("1.0")
                ect = ECT.objects.filter(person=ect_person).first()
                if ect is None:
                    ect = services.add_ect(
                        ect_person, school, actor=None, programme=programme, cohort_start_year=cohort,
                        induction_start_date=start, fte=fte,
                    )
                    services.change_mentor(ect, mentors[k % len(mentors)], actor=None, on=start)
                    _maybe_change_status(ect, rng, today, index, k)
            if index == 0:
                result.logins["induction tutor"] = tutor.user.email
                result.logins["mentor"] = mentors[0].person.user.email
                first_ect = ECT.objects.filter(school=school).order_by("created_at", "id").first()
                result.logins["ECT"] = first_ect.person.user.email
            if index == 1:
                # A small school where the induction tutor also mentors: one person, two roles.
                both = services.add_mentor(tutor, school, actor=None, started_on=datetime.date(this_year - 1, 9, 1))
                result.logins["induction tutor who also mentors"] = both.person.user.email
        # Just registered (as after an import of the DfE's file): the first school's "ECTs without a mentor".
        first_school = School.objects.get(urn=SCHOOLS[0][0])
        newcomer = _named(hub, f"new.ect@{DEMO_DOMAIN}", "Niamh", "O'Donnell", password_hash)
        if not ECT.objects.filter(person=newcomer).exists():
            services.add_ect(
                newcomer, first_school, actor=None, programme="ecte2025", cohort_start_year=this_year,
                induction_start_date=datetime.date(this_year, 9, 2),
            )
        _uploads(hub, staff, this_year)
        _sign_ins(today, exclude=newcomer)
    return result


DFE_HEADER = "full_name,email_address,trn,role,lead_provider,school,school_unique_reference_number,academic_year,training_status,status\r\n"


def _uploads(hub, staff, year):
    """Two uploads of the DfE's file: one imported (three new ECTs and a mentor at the first school), and a
    later one checked and waiting for hub staff to confirm (one of them deferred, one more ECT)."""
    school = f"{SCHOOLS[0][1]},{SCHOOLS[0][0]}"

    def row(name, email, trn, role="Early career teacher", status="active,Training or eligible for training"):
        return f"{name},{email}@{DEMO_DOMAIN},{trn},{role},Ambition Institute,{school},{year},{status}"

    people = [
        row("Orla Byrne", "orla.byrne", "4100001"),
        row("Kwame Mensah", "kwame.mensah", "4100002"),
        row("Chloé Dubois", "chloe.dubois", "4100003"),
        row("Rhys Pritchard", "rhys.pritchard", "4100004", role="Mentor"),
    ]
    later = [
        people[0],
        row("Kwame Mensah", "kwame.mensah", "4100002", status="deferred,Participant deferred"),
        people[2],
        people[3],
        row("Seán Kelly", "sean.kelly", "4100005"),
    ]
    for name, rows, confirm in (("dfe-participants-september.csv", people, True), ("dfe-participants-october.csv", later, False)):
        if ImportUpload.objects.filter(file_name=name).exists():
            continue
        upload = uploads.create(hub, staff.user, name, (DFE_HEADER + "\r\n".join(rows) + "\r\n").encode())
        uploads.run_check(upload.pk)
        upload.refresh_from_db()
        if confirm and uploads.confirm(upload, staff.user):
            uploads.run_import(upload.pk)


def _sign_ins(today, exclude):
    """Two in three demo people have signed in (the Onboarding page has both kinds); the newcomer never."""
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))
    for person in Person.objects.filter(first_signed_in_at__isnull=True).exclude(pk=exclude.pk).order_by("pk"):
        if person.pk % 3:
            Person.objects.filter(pk=person.pk).update(
                first_signed_in_at=noon - datetime.timedelta(days=40 + person.pk % 7),
                last_signed_in_at=noon - datetime.timedelta(days=person.pk % 20),
            )


def _maybe_change_status(ect, rng, today, school_index, k):
    """A few ECTs are paused or have left, dated in the current academic year."""
    if school_index % 4 == 1 and k == 1:
        services.change_ect_status(ect, "paused", actor=None, on=max(ect.induction_start_date, today - datetime.timedelta(days=30)), note="Long-term absence")
    elif school_index % 5 == 2 and k == 4:
        services.change_ect_status(ect, "left", actor=None, on=max(ect.induction_start_date, today - datetime.timedelta(days=60)), note="Moved to a school in another region")


def demo_roles_summary(hub):
    with hub_scope(hub):
        return {
            "schools": School.objects.count(),
            "ECTs": ECT.objects.count(),
            "mentors": Mentor.objects.count(),
            "induction tutors": InductionTutor.objects.count(),
        }
