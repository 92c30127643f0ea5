"""Time and peak memory of the PDF engagement reports on the hub-scale set: the hub report of the
400-school hub ("bench-1") and the report of its first school, as of the data set's date.

Each report is rendered in a process of its own (after WeasyPrint is imported and one small PDF
made, so the import and font loading are not counted): the seconds of the render (data and PDF;
the median of `--repeat`, and this process's CPU seconds: the database's work is not in them, and
they vary less on a busy machine), then once more the Python heap's peak during it (tracemalloc), and the
process's peak resident size. Targets: hub
report under 10 s, school report under 1 s. Run `bench/generate.py` first.

    uv run python bench/reports.py [--as-of 2026-07-10] [--repeat 3]
"""

import argparse
import datetime
import json
import resource
import subprocess
import sys
import time
import tracemalloc

from common import setup


def measure(kind, as_of, repeat):
    """{seconds (median), python_peak_mb, rss_peak_mb, pages, bytes} of one kind of report."""
    setup()
    from engagement.reports import pdf
    from schools.models import Hub, School
    from schools.scoping import hub_scope

    hub = Hub.objects.get(slug="bench-1")
    with hub_scope(hub):
        school = School.objects.order_by("urn").first()
        pdf.render("reports/school.html", {"hub": {"name": "warm-up"}})  # the import, the fonts

        def render():
            return pdf.render_hub_report(hub, as_of) if kind == "hub" else pdf.render_school_report(hub, school, as_of)

        times, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            document = render()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        tracemalloc.start()  # one more, for the memory (tracemalloc slows Python down: not timed)
        render()
        _, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    from pypdf import PdfReader
    import io

    return {
        "seconds": sorted(times)[len(times) // 2],
        "cpu_seconds": sorted(cpu)[len(cpu) // 2],
        "python_peak_mb": python_peak / 2**20,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pages": len(PdfReader(io.BytesIO(document)).pages),
        "bytes": len(document),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", default="2026-07-10", type=datetime.date.fromisoformat)
    parser.add_argument("--repeat", default=3, type=int)
    parser.add_argument("--only", choices=["hub", "school"], help=argparse.SUPPRESS)  # one report, in this process
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only, args.as_of, args.repeat)))
        return
    print(f"{'report':34} {'seconds':>8} {'CPU s':>6} {'python peak MB':>15} {'RSS peak MB':>12} {'pages':>6} {'KB':>6} {'target s':>9}")
    for kind, label, target in (("school", "school report (one school)", 1), ("hub", "hub report (400 schools)", 10)):
        run = subprocess.run(
            [sys.executable, __file__, "--only", kind, "--as-of", args.as_of.isoformat(), "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=True,
        )
        r = json.loads(run.stdout.strip().splitlines()[-1])
        print(
            f"{label:34} {r['seconds']:8.2f} {r['cpu_seconds']:6.2f} {r['python_peak_mb']:15.1f} {r['rss_peak_mb']:12.1f} {r['pages']:6} "
            f"{r['bytes'] / 1024:6.0f} {'< ' + str(target):>9}"
        )


if __name__ == "__main__":
    main()
