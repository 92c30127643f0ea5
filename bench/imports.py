"""Registration imports: both file formats at 2,000 and 10,000 rows, check and apply timed apart,
and how long recording study elsewhere in the hub waits while an import is written.

Each run imports into a new hub (a school of ten: eight ECTs and two mentors, the ECTs of our
format naming a mentor) as the upload page will (`check`, then `apply`, which plans again inside
its transaction), then into another new hub as the command line does (`check_and_apply`: one
plan, one transaction), then the same file again (nothing to change). While the first
apply runs, another connection records study for an ECT of the hub (`engagement.study.record_module`,
each in its own transaction) as fast as it can; the longest and median of those writes are
printed beside the same writes with no import running.

    uv run python bench/imports.py [--sizes 2000 10000]
"""

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import setup

OURS = "school_urn,school_name,role,first_name,last_name,email,programme,cohort_start,start_date,mentor_email,fte"
DFE = "full_name,email_address,trn,role,lead_provider,school,school_unique_reference_number,academic_year,training_status,status"
STATUSES = [("active", "Training or eligible for training")] * 7 + [("deferred", "Participant deferred"), ("withdrawn", "No longer being trained")]


def our_file(rows, tag):
    lines = [OURS]
    for i in range(rows):
        school, seat = divmod(i, 10)
        urn = f"{800000 + school}"
        mentor = f"m{school}-{seat % 2}.{tag}@bench.example.org"
        if seat < 2:
            lines.append(f"{urn},School {school},mentor,Mentor,{i},{mentor},,,2025-09-01,,")
        else:
            lines.append(f"{urn},School {school},ect,Ect,{i},e{i}.{tag}@bench.example.org,ecte2025,2025,2025-09-03,{mentor},1.0")
    return "\n".join(lines).encode()


def dfe_file(rows, tag):
    lines = [DFE]
    for i in range(rows):
        school, seat = divmod(i, 10)
        urn = f"{800000 + school}"
        if seat < 2:
            lines.append(f"Mentor {i},m{i}.{tag}@bench.example.org,{3000000 + i},Mentor,LP,School {school},{urn},2025,active,Training or eligible for training")
        else:
            training, label = STATUSES[i % len(STATUSES)]
            lines.append(f"Ect {i},E{i}.{tag}@Bench.example.org,{1000000 + i},Early career teacher,LP,School {school},{urn},2024,{training},{label}")
    return "\r\n".join(lines).encode("utf-8-sig")


class StudyWriter:
    """Another process (no shared interpreter lock with the import) recording study for one ECT,
    one record per transaction, until stopped; `times` are each write's seconds."""

    def __init__(self, hub, ect_id, first_slot):
        self.stop_file = Path(tempfile.mkdtemp()) / "stop"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--writer", str(hub.pk), str(ect_id), str(first_slot), str(self.stop_file)],
            stdout=subprocess.PIPE, text=True,
        )
        self.process.stdout.readline()  # "ready": set up and about to write
        self.times = []

    def finish(self):
        self.stop_file.touch()
        out, _ = self.process.communicate()
        self.times = json.loads(out.strip().splitlines()[-1])


def write_study(hub_id, ect_id, first_slot, stop_file):
    from django.db import connection

    from engagement.models import Module
    from engagement.study import record_module
    from participants.models import ECT
    from schools.models import Hub
    from schools.scoping import hub_scope

    times = []
    with hub_scope(Hub.objects.get(pk=hub_id)):
        ect = ECT.objects.select_related("hub").get(pk=ect_id)
        modules = list(Module.objects.filter(programme__code=ect.programme))
        days = [ect.induction_start_date + datetime.timedelta(days=n) for n in range(300)]
        slots = [(module, day) for module in modules for day in days][first_slot:]
        print("ready", flush=True)
        for module, day in slots:
            if Path(stop_file).exists():
                break
            start = time.perf_counter()
            record_module(ect, module, day, None)
            times.append(time.perf_counter() - start)
            time.sleep(0.01)
    connection.close()
    print(json.dumps(times))


def figures(times):
    return f"{len(times)} writes, median {statistics.median(times) * 1000:.0f} ms, longest {max(times) * 1000:.0f} ms"


def new_hub(tag):
    from schools.models import Hub

    return Hub.objects.create(slug=f"bench-imports-{tag}", name=f"Bench imports {tag}", contact_email="hub@bench.example.org")


def run(kind, rows):
    from participants import import_plan, services
    from schools.models import School
    from schools.scoping import hub_scope

    tag = uuid.uuid4().hex[:8]
    hub = new_hub(tag)
    with hub_scope(hub):
        school = School.objects.create(hub=hub, urn="799999", name="Elsewhere")
        person = services.get_or_create_person(hub, f"writer.{tag}@bench.example.org", "Study", "Writer")
        ect = services.add_ect(person, school, None, programme="ecte2025", cohort_start_year=2025, induction_start_date=datetime.date(2025, 9, 1))
    data = our_file(rows, tag) if kind == "ours" else dfe_file(rows, tag)

    idle = StudyWriter(hub, ect.pk, 0)
    time.sleep(2)
    idle.finish()

    start = time.perf_counter()
    plan = import_plan.check(hub, data)
    checked = time.perf_counter() - start
    assert not plan.errors, plan.errors[:5]
    writer = StudyWriter(hub, ect.pk, len(idle.times))
    time.sleep(0.5)
    start = time.perf_counter()
    import_plan.apply(plan)
    applied = time.perf_counter() - start
    writer.finish()

    start = time.perf_counter()
    again = import_plan.check_and_apply(hub, data)
    reimported = time.perf_counter() - start
    other = new_hub(tag + "-cli")
    start = time.perf_counter()
    once = import_plan.check_and_apply(other, data)
    one_pass = time.perf_counter() - start
    assert once.applied and not once.errors
    print(
        f"{kind:>5} {rows:>6} rows: check {checked:5.2f} s, apply {applied:5.2f} s (check + apply {checked + applied:5.2f} s); "
        f"command line (one pass) {one_pass:5.2f} s; re-import (unchanged {len(again.unchanged)}) {reimported:5.2f} s"
    )
    print(f"      study writes, no import: {figures(idle.times)}; during the apply: {figures(writer.times)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[2000, 10000])
    parser.add_argument("--writer", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup()
    if args.writer:
        hub_id, ect_id, first_slot, stop_file = args.writer
        write_study(int(hub_id), int(ect_id), int(first_slot), stop_file)
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for kind in ("ours", "dfe"):
        for rows in args.sizes:
            run(kind, rows)


if __name__ == "__main__":
    main()
