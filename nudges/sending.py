"""A hub's nudge run, and sending each e-mail exactly once.

`run` plans the hub's nudges as of a date (`nudges.planning`), keeps the new ones (a key is
recorded once: a unique constraint, under a lock on the hub's settings so two runs take turns),
decides each with `nudges.gentle` (held ones from a holiday again too), records every outcome,
and groups those to send into e-mails: one per recipient and rule (a mentor's missed mentees in
one, a tutor's escalation digest listing the people off track).

`send_email` sends one stored e-mail by claim-then-send (an event reminder whose booking changed
since the run is withdrawn instead, see `at_sending`): it claims the row (`queued` → `sending`,
or a claim older than `NUDGE_CLAIM_TIMEOUT`, whose worker died) with one UPDATE and sends only if it
changed a row; then marks it and its nudges sent. A retried task, a second worker or a sweep
finds nothing to claim. A failed attempt goes back to `queued` with its error for the retry,
and the last one is recorded as failed. Each e-mail has a Message-ID made from its code, so a
mail server that keeps Message-IDs drops the one copy a worker killed between the server's
acceptance and the UPDATE could resend.

`send_emails` (the command, the bench) sends many: a batch claimed in one statement (`FOR UPDATE
SKIP LOCKED`: two workers never claim the same e-mail), each sent over one connection and marked
sent right after it went. A run's rows are written with COPY and its e-mails rendered once per
shape (`nudges.rendering`), so the national run stays a small multiple of the engine's recompute.
"""

import datetime
import json
import select
import smtplib
import time
from contextlib import contextmanager
from collections import defaultdict
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.db import DatabaseError
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from psycopg import pq

from ectprogramme import emails
from ectprogramme.formats import human_date
from engagement.compute import tracks as engine_tracks
from nudges import event_rules, gentle, planning, rendering, wording
from nudges.models import (
    AUTOMATIC_RULES, EVENT_RULES, EmailStatus, HubNudgeSettings, Nudge, NudgeEmail, NudgeStatus, Rule, RuleSetting,
)
from nudges.optout import unsubscribe_url
from participants.models import Person
from schools.models import Hub, School
from schools.scoping import hub_scope

SEND_ERRORS = (smtplib.SMTPException, OSError)
KEYS_PER_QUERY = 500


@dataclass
class RunResult:
    nudges: list = field(default_factory=list)  # every nudge the run decided (new, and held ones decided again)
    emails: list = field(default_factory=list)
    new: int = 0
    recording_s: float = 0.0  # seconds spent making the e-mails and inserting the rows (the rest is planning)


def run_hubs(hubs, as_of):
    """`run` for several hubs, their figures read from the engine in one query. {hub id: RunResult}."""
    by_hub = defaultdict(list)
    for track in engine_tracks([hub.id for hub in hubs], as_of):
        by_hub[track.hub_id].append(track)
    return {hub.id: run(hub, as_of, tracks=by_hub[hub.id]) for hub in hubs}


def run(hub, as_of, dry_run=False, tracks=None):
    """Plan, decide and record the hub's automatic nudges as of `as_of`, and make their e-mails
    (queued, not sent: see `send_email`). With `dry_run` nothing is recorded."""
    with hub_scope(hub), transaction.atomic():
        nudge_settings = HubNudgeSettings.objects.select_for_update().filter(hub=hub).first()
        if nudge_settings is None:
            HubNudgeSettings.for_hub(hub)
            nudge_settings = HubNudgeSettings.objects.select_for_update().get(hub=hub)
        planned = planning.plan(hub, as_of, tracks=tracks, settings=nudge_settings)
        existing = _existing_keys(hub, list(planned.candidates))
        new = [planned.nudge(key) for key in planned.candidates if key not in existing]
        held = list(Nudge.objects.filter(hub=hub, status=NudgeStatus.PLANNED, email__isnull=True, rule__in=AUTOMATIC_RULES))
        decided = gentle.decide(hub, new + held, as_of, nudge_settings.weekly_cap_days)
        if dry_run:
            transaction.set_rollback(True)
            return RunResult(decided, [], len(new))
        start = time.perf_counter()
        made = compose(hub, [n for n in decided if n.send_now], as_of, save_nudges=False)
        insert_rows(new)
        if held:
            Nudge.objects.bulk_update(held, ["status", "status_reason", "email"], batch_size=500)
    return RunResult(decided, made, len(new), recording_s=time.perf_counter() - start)


def insert_rows(objs):
    """Insert new rows of one model, setting their ids. PostgreSQL: ids taken from the table's
    sequence in one query and the rows written with COPY (thousands of e-mail bodies a run);
    elsewhere `bulk_create`."""
    if not objs:
        return
    model = type(objs[0])
    if db_connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=500)
        return
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objs)]
        )
        for obj, (pk,) in zip(objs, cursor.fetchall()):
            obj.pk = pk
        columns = ", ".join(db_connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {db_connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), db_connection) for f in fields])
    for obj in objs:
        obj._state.adding, obj._state.db = False, db_connection.alias


def _existing_keys(hub, keys):
    found = set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        found.update(Nudge.objects.filter(hub=hub, key__in=keys[start : start + KEYS_PER_QUERY]).values_list("key", flat=True))
    return found


# --- Composing -------------------------------------------------------------------------------------


def compose(hub, nudges, run_on, automatic=True, save_nudges=True):
    """Group nudges into e-mails (one per recipient and rule; one per event reminder or catch-up), render and store them, and link each
    nudge to its e-mail (saved, unless the caller saves the nudges itself). Returns the e-mails (queued).
    Each rule's templates are rendered once per shape for the hub (`nudges.rendering`), and each
    e-mail's headers (with its unsubscribe address) are stored with it for the sender."""
    if not nudges:
        return []
    groups = defaultdict(list)
    for nudge in nudges:
        groups[(nudge.recipient_id, nudge.rule, nudge.key if nudge.rule in EVENT_RULES else "")].append(nudge)
    people = Person.objects.filter(hub=hub).select_related("user", "hub").in_bulk(
        {n.recipient_id for n in nudges} | {n.about_id for n in nudges if n.about_id}
    )
    schools = School.objects.filter(hub=hub).in_bulk({n.school_id for n in nudges if n.school_id})
    rule_settings = {s.rule: s for s in RuleSetting.objects.filter(hub=hub)}
    renderer = rendering.Renderer({"hub": hub})
    unsubscribe = {}
    made = []
    for (recipient_id, rule, _), group in groups.items():
        recipient = people[recipient_id]
        link = None
        if automatic:
            link = unsubscribe.get(recipient_id) or unsubscribe.setdefault(recipient_id, unsubscribe_url(recipient))
        subject, text, html = render(
            hub, rule, recipient, group, people, schools, rule_settings.get(rule), automatic, renderer=renderer, unsubscribe=link
        )
        email = NudgeEmail(
            hub=hub, recipient=recipient, rule=rule, run_on=run_on, to_address=recipient.user.email, subject=subject,
            text_body=text, html_body=html, automatic=automatic,
        )
        email.headers = _headers(email.code, link)
        made.append(email)
    insert_rows(made)
    for email, group in zip(made, groups.values()):
        for nudge in group:
            nudge.email = email
    if save_nudges:
        Nudge.objects.bulk_update([n for group in groups.values() for n in group], ["email"], batch_size=500)
    return made


def _name(person):
    return person.full_name or person.user.email


_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
_PATTERNS = {}


def _url(name, *args):
    """The page's full address (`reverse` once per page, then the code put in: thousands per run)."""
    if name not in _PATTERNS:
        _PATTERNS[name] = reverse(name, args=[_PLACEHOLDER] * len(args))
    path = _PATTERNS[name]
    for arg in args:
        path = path.replace(_PLACEHOLDER, str(arg), 1)
    return settings.SITE_URL + path


def _period(details):
    start = details.get("period_start")
    name = details.get("period_name", "period")
    return f"{name} starting {human_date(datetime.date.fromisoformat(start))}" if start else name


def render(hub, rule, recipient, group, people, schools, rule_setting=None, automatic=True, renderer=None, unsubscribe=None):
    """(subject, text, html) of one e-mail carrying `group` (nudges of one rule to one recipient).
    `renderer`: a `nudges.rendering.Renderer` of the hub, for many e-mails; `unsubscribe`: the
    recipient's unsubscribe address, when known."""
    first = group[0]
    details = first.details or {}
    values = {"first_name": recipient.first_name or "there", "hub_name": hub.name}
    context = {"items": [], "link": "", "link_label": ""}
    if rule == Rule.MISSED_STUDY:
        values.update(period=_period(details), period_name=details.get("period_name", "period"))
        context.update(link=_url("ect_study", details["ect"]), link_label="Go to your study", period_name=values["period_name"])
    elif rule == Rule.MISSED_OBSERVATION:
        mentees = [people[n.about_id] for n in group]
        values.update(period=_period(details), mentees=" and ".join(_name(p) for p in mentees))
        context["items"] = [
            {"label": f"{_name(people[n.about_id])}: {_period(n.details)}", "link": _url("cycle_create", n.details["ect"])}
            for n in group
        ]
        context.update(link=_url("mentor_home"), link_label="Go to your mentees")
    elif rule == Rule.ESCALATION:
        names = [schools[n.school_id].name for n in group]
        values["school_name"] = " and ".join(names)
        context["school_name"] = values["school_name"]
        for n in group:
            for person in n.details.get("people", []):
                link = _url("ect_engagement", person["ect"]) if "ect" in person else _url("mentor_engagement", person["mentor"])
                label = f"{person['name']} ({person['role']}, {person['missed']} periods missed in a row)"
                context["items"].append({"label": label + (f" at {schools[n.school_id].name}" if len(group) > 1 else ""),
                                         "link": link})
        context.update(link=_url("lead_dashboard", group[0].details["school"]), link_label="Open the Lead dashboard")
    elif rule == Rule.AT_RISK_75:
        values["weeks_left"] = details.get("weeks_left", "")
        context["items"] = [
            {"label": f"{_name(people[n.about_id])}: {n.details['percent']}% this year", "link": _url("ect_engagement", n.details["ect"])}
            for n in group
        ]
        context.update(link=_url("lead_dashboard", schools[first.school_id].code), link_label="Open the Lead dashboard")
    elif rule in EVENT_RULES:
        event_values, event_context = event_rules.render_values(rule, details)
        values.update(event_values)
        context.update(event_context)
    elif rule == Rule.PRAISE:
        unit = details.get("period_name", "period")
        streak = details.get("streak", "")
        values.update(streak=f"{streak} {unit}s", strand=details.get("strand", "programme"))
        context["streak"] = values["streak"]
        if details.get("ect"):
            context.update(link=_url("ect_study", details["ect"]), link_label="See your study")
        else:
            context.update(link=_url("mentor_home"), link_label="See your mentees")
    else:
        values["sender_name"] = details.get("sender_name", hub.name)
        context.update(sender_name=values["sender_name"], personal_line=first.personal_line,
                       link=details.get("link", settings.SITE_URL + "/"), link_label=details.get("link_label", "Open your programme"))
    subject, body = wording.wording(rule, rule_setting)
    context.update(subject=wording.fill(subject, values), body=wording.fill(body, values))
    if automatic:
        context["unsubscribe_url"] = unsubscribe or unsubscribe_url(recipient)
    if renderer is None:
        return emails.render(f"nudge-{rule}", {"hub": hub, **context})
    items = context.pop("items")
    return renderer.render(f"nudge-{rule}", context, items)


# --- Sending -----------------------------------------------------------------------------------------


def _domain():
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def _headers(code, unsubscribe=None):
    headers = {"Message-ID": f"<nudge-{code}@{_domain()}>", "Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def headers_for(email):
    """The e-mail's extra headers: a Message-ID from its code and, on automatic nudges, RFC 8058
    unsubscribe (stored with the e-mail when it was made; worked out for one stored without)."""
    if email.headers:
        return email.headers
    return _headers(email.code, unsubscribe_url(email.recipient) if email.automatic else None)


CHECKED_RULES = (Rule.EVENT_REMINDER,)  # e-mails looked at again when they go (they read the database)


def at_sending(email):
    """(attachments, reason not to send) of an e-mail as it goes: an event reminder carries its
    booking's `.ics` as it stands now, and is withdrawn if the booking or session has changed."""
    if email.rule not in CHECKED_RULES:
        return [], ""
    details = Nudge.objects.with_scopes_disabled().filter(email_id=email.pk).order_by("pk").values_list("details", flat=True)
    with hub_scope(Hub(pk=email.hub_id)):
        return event_rules.at_sending(list(details))


def withdraw(email_id, claimed_at, reason):
    """Record a claimed e-mail as not sent (no longer due) and its nudges as suppressed."""
    with transaction.atomic():
        NudgeEmail.objects.with_scopes_disabled().filter(pk=email_id, claimed_at=claimed_at).update(
            status=EmailStatus.WITHDRAWN, error=reason
        )
        Nudge.objects.with_scopes_disabled().filter(email_id=email_id).update(status=NudgeStatus.SUPPRESSED, status_reason=reason[:200])
    return EmailStatus.WITHDRAWN


def claim(email_id, now=None):
    """Claim an e-mail to send: True if this caller may send it (it was queued, or its claim is abandoned)."""
    now = now or timezone.now()
    abandoned = now - datetime.timedelta(seconds=settings.NUDGE_CLAIM_TIMEOUT)
    return bool(
        NudgeEmail.objects.with_scopes_disabled()
        .filter(pk=email_id)
        .filter(Q(status=EmailStatus.QUEUED) | Q(status=EmailStatus.SENDING, claimed_at__lt=abandoned))
        .update(status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def send_email(email_id, last_attempt=True, connection=None):
    """Send one e-mail if this call claims it; returns its status then, or None if not claimed.

    On an SMTP or network error the e-mail goes back to `queued` with the error and the error is
    raised (for the task to retry); on the last attempt it and its nudges are recorded as failed.
    """
    now = timezone.now()
    if not claim(email_id, now):
        return None
    email = NudgeEmail.objects.with_scopes_disabled().select_related("hub", "recipient__hub").get(pk=email_id)
    attachments, reason = at_sending(email)
    if reason:
        return withdraw(email.pk, now, reason)
    with hub_scope(email.hub):
        mine = NudgeEmail.objects.filter(pk=email.pk, claimed_at=now)
        try:
            emails.send_rendered(
                email.subject, email.text_body, email.html_body, email.to_address, reply_to=email.hub.contact_email or None,
                headers=headers_for(email), connection=connection, attachments=attachments,
            )
        except SEND_ERRORS as error:
            message = f"{type(error).__name__}: {error}"[:1000]
            if not last_attempt:
                mine.update(status=EmailStatus.QUEUED, error=message)
                raise
            with transaction.atomic():
                mine.update(status=EmailStatus.FAILED, error=message)
                Nudge.objects.filter(email=email).update(status=NudgeStatus.FAILED, status_reason=message[:200])
            return EmailStatus.FAILED
        with transaction.atomic():
            mine.update(status=EmailStatus.SENT, sent_at=timezone.now(), error="")
            Nudge.objects.filter(email=email).update(status=NudgeStatus.SENT, status_reason="")
    return EmailStatus.SENT


_CLAIM_SQL = """
UPDATE nudges_nudgeemail SET status = 'sending', claimed_at = %(now)s, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM nudges_nudgeemail
    WHERE id = ANY(%(ids)s) AND (status = 'queued' OR (status = 'sending' AND claimed_at < %(abandoned)s))
    ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
RETURNING id, code, hub_id, recipient_id, rule, to_address, subject, text_body, html_body, automatic, headers
"""
_SENT_SQL = "UPDATE nudges_nudgeemail SET status = 'sent', sent_at = %s, error = '' WHERE id = %s AND claimed_at = %s"
_FIELDS = ("id", "code", "hub_id", "recipient_id", "rule", "to_address", "subject", "text_body", "html_body", "automatic", "headers")


def claim_batch(email_ids, limit, now=None):
    """Claim up to `limit` of the e-mails to send (queued, or their claim abandoned) in one statement;
    returns them (unsaved `NudgeEmail`s, by id). On PostgreSQL rows another worker is claiming are
    skipped (`FOR UPDATE SKIP LOCKED`), so two workers at once never claim the same e-mail."""
    now = now or timezone.now()
    abandoned = now - datetime.timedelta(seconds=settings.NUDGE_CLAIM_TIMEOUT)
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, {"now": now, "ids": list(email_ids), "abandoned": abandoned, "limit": limit})
            rows = cursor.fetchall()
        claimed = [NudgeEmail(**dict(zip(_FIELDS, row)), status=EmailStatus.SENDING, claimed_at=now) for row in rows]
        for email in claimed:
            if isinstance(email.headers, str):
                email.headers = json.loads(email.headers)
        return sorted(claimed, key=lambda email: email.pk)
    rows = NudgeEmail.objects.with_scopes_disabled()
    with transaction.atomic():
        ids = list(
            rows.filter(pk__in=email_ids)
            .filter(Q(status=EmailStatus.QUEUED) | Q(status=EmailStatus.SENDING, claimed_at__lt=abandoned))
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        rows.filter(pk__in=ids).update(status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return list(rows.filter(pk__in=ids).order_by("id"))


class _SentMarks:
    """Marks e-mails sent one at a time, each its own transaction, without waiting for the database
    between e-mails. On PostgreSQL the mark is a prepared statement sent on the driver's connection
    without waiting for its answer, which is read before the next mark is sent: so when an e-mail
    goes, the mark of the one before is already with the server (which commits it even if this
    process dies now) and a crash can at worst resend the e-mail in flight. `wait` before any other
    use of the connection."""

    NAME = b"nudges_mark_sent"

    def __init__(self):
        self.pgconn, self.pending = None, False
        if db_connection.vendor == "postgresql":
            with db_connection.cursor() as cursor:  # prepared once per database session, kept for the next call
                cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [self.NAME.decode()])
                if not cursor.fetchone():
                    cursor.execute(f"PREPARE {self.NAME.decode()} (timestamptz, bigint, timestamptz) AS {_SENT_SQL % ('$1', '$2', '$3')}")
            self.pgconn = db_connection.connection.pgconn

    def mark(self, email, now):
        sent_at = timezone.now()
        if self.pgconn is None:
            NudgeEmail.objects.with_scopes_disabled().filter(pk=email.pk, claimed_at=now).update(
                status=EmailStatus.SENT, sent_at=sent_at, error=""
            )
            return
        self.wait()
        params = [sent_at.isoformat().encode(), str(email.pk).encode(), now.isoformat().encode()]
        self.pgconn.send_query_prepared(self.NAME, params)
        self.pending = True
        while self.pgconn.flush():
            select.select([], [self.pgconn.socket], [])

    def wait(self):
        """Read the answer to the mark in flight (raising its error, if any)."""
        if not self.pending:
            return
        self.pending = False
        while True:
            self.pgconn.consume_input()
            if not self.pgconn.is_busy():
                break
            select.select([self.pgconn.socket], [], [])
        error = None
        while (result := self.pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.COMMAND_OK and error is None:
                error = result.error_message.decode(errors="replace")
        if error:
            raise DatabaseError(f"marking an e-mail sent failed: {error}")



def send_emails(email_ids, batch=500, last_attempt=True):
    """Send many e-mails over one connection (the nightly batch task, the command, the bench):
    claimed `batch` at a time with one statement (`claim_batch`), each sent and marked sent on its
    own right after it went (so a crash can at worst resend the one in flight; the claim of the rest
    is abandoned and swept); their nudges marked once per batch (the sweep mends a batch cut short).
    Returns {email id: status} of those this call claimed.

    On an SMTP or network error, the last attempt records that e-mail as failed and goes on; an
    earlier one puts it and the rest of its batch back to `queued` (its error kept) and raises, for
    the task to retry later: what was sent stays sent, so the retry sends only the rest."""
    from django.core.mail import get_connection

    statuses = {}
    email_ids = list(email_ids)
    reply_to = {}
    with get_connection() as connection, _quick_commits():
        marks = _SentMarks()
        try:
            for start in range(0, len(email_ids), batch):
                chunk = email_ids[start : start + batch]
                now = timezone.now()
                marks.wait()
                claimed = claim_batch(chunk, len(chunk), now)
                missing = {email.hub_id for email in claimed} - set(reply_to)
                if missing:
                    reply_to.update(Hub.objects.filter(pk__in=missing).values_list("pk", "contact_email"))
                for email in claimed:
                    if not email.headers or email.rule in CHECKED_RULES:  # these read the database
                        marks.wait()
                    attachments, reason = at_sending(email)
                    if reason:
                        statuses[email.pk] = withdraw(email.pk, now, reason)
                        continue
                    try:
                        emails.send_rendered(
                            email.subject, email.text_body, email.html_body, email.to_address,
                            reply_to=reply_to[email.hub_id] or None, headers=headers_for(email), connection=connection,
                            attachments=attachments,
                        )
                    except SEND_ERRORS as error:
                        marks.wait()
                        message = f"{type(error).__name__}: {error}"[:1000]
                        mine = NudgeEmail.objects.with_scopes_disabled().filter(claimed_at=now, status=EmailStatus.SENDING)
                        if not last_attempt:
                            mine.filter(pk=email.pk).update(status=EmailStatus.QUEUED, error=message)
                            mine.filter(pk__in=[e.pk for e in claimed]).update(status=EmailStatus.QUEUED)
                            mend(chunk)
                            raise
                        mine.filter(pk=email.pk).update(status=EmailStatus.FAILED, error=message)
                        statuses[email.pk] = EmailStatus.FAILED
                    else:
                        marks.mark(email, now)
                        statuses[email.pk] = EmailStatus.SENT
                marks.wait()
                mend(chunk)
        finally:
            marks.wait()
    return statuses


@contextmanager
def _quick_commits():
    """PostgreSQL: do not wait for the disk on each "sent" mark (`synchronous_commit = off`). A worker
    killed after a mark still leaves it committed; only a crash of the database server itself could
    lose the last fraction of a second of marks (and resend those e-mails)."""
    if db_connection.vendor != "postgresql":
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def mend(email_ids=None):
    """Give the nudges of sent and failed e-mails their e-mail's status (after a batch, or one cut short)."""
    nudges = Nudge.objects.with_scopes_disabled().filter(status=NudgeStatus.PLANNED, email__isnull=False)
    if email_ids is not None:
        nudges = nudges.filter(email_id__in=email_ids)
    nudges.filter(email__status=EmailStatus.SENT).update(status=NudgeStatus.SENT, status_reason="")
    nudges.filter(email__status=EmailStatus.FAILED).update(status=NudgeStatus.FAILED, status_reason="the e-mail could not be sent")


def unsent(now=None, older_than=datetime.timedelta(minutes=5)):
    """Ids of e-mails to send again: queued for a while (their task was lost), or claimed by a worker that died."""
    now = now or timezone.now()
    abandoned = now - datetime.timedelta(seconds=settings.NUDGE_CLAIM_TIMEOUT)
    return list(
        NudgeEmail.objects.with_scopes_disabled()
        .filter(Q(status=EmailStatus.QUEUED, created_at__lte=now - older_than) | Q(status=EmailStatus.SENDING, claimed_at__lt=abandoned))
        .order_by("id")
        .values_list("id", flat=True)
    )
