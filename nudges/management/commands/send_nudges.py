"""manage.py send_nudges --hub SLUG [--as-of YYYY-MM-DD] [--dry-run]

What the nightly job runs for one hub as of a date, in this process (no worker): plan, decide,
record and send. Prints one line per message `rule,recipient_email,about_email,status` (sent,
failed, capped, stale or suppressed), then a count. Nudges held in a holiday are not messages yet:
they are counted on stderr. `--dry-run` sends and records nothing (what would be sent says sent).
"""

import csv

from django.core.management.base import BaseCommand
from django.utils import timezone

from ectprogramme.csv_safety import safe_cell
from engagement.calendar import sync_calendar
from nudges import sending
from nudges.models import EmailStatus, NudgeStatus
from participants.models import Person
from schools.commands import hub_by_slug, iso_date
from schools.scoping import hub_scope


class Command(BaseCommand):
    help = "Run a hub's automatic nudges as of a date (what the nightly job runs), printing each message."

    def add_arguments(self, parser):
        parser.add_argument("--hub", required=True, help="The hub's slug")
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="Send and record nothing")

    def handle(self, hub, as_of, dry_run, **options):
        hub_obj = hub_by_slug(hub)
        day = iso_date(as_of) if as_of else timezone.localdate()
        with hub_scope(hub_obj):
            sync_calendar(hub_obj)
        result = sending.run(hub_obj, day, dry_run=dry_run)
        statuses = sending.send_emails([email.pk for email in result.emails])
        held = 0
        lines = []
        with hub_scope(hub_obj):
            people = Person.objects.filter(hub=hub_obj).select_related("user").in_bulk(
                {n.recipient_id for n in result.nudges} | {n.about_id for n in result.nudges if n.about_id}
            )
            for nudge in result.nudges:
                if nudge.send_now:
                    status = NudgeStatus.SENT if dry_run else statuses.get(nudge.email_id) or nudge.email.status
                    if status == EmailStatus.WITHDRAWN:  # changed between planning and sending
                        status = NudgeStatus.SUPPRESSED
                elif nudge.status == NudgeStatus.PLANNED:
                    held += 1
                    continue
                else:
                    status = nudge.status
                about = people[nudge.about_id].user.email if nudge.about_id else ""
                lines.append((nudge.rule, people[nudge.recipient_id].user.email, about, str(status)))
        writer = csv.writer(self.stdout, lineterminator="\n")
        for line in sorted(lines):
            writer.writerow([safe_cell(cell) for cell in line])
        self.stdout.write(f"{len(lines)} message{'' if len(lines) == 1 else 's'}{' (dry run: nothing sent or recorded)' if dry_run else ''}")
        if held:
            self.stderr.write(f"{held} held until the first term-time weekday")
