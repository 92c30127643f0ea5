"""What every all-or-nothing CSV import shares: reading the file, checking the header, reporting
problems as `line N: column: message`, checking common cells, and the management command around it.

An importer (`participants.imports`, `engagement.imports`) parses with `read_rows`, checks and
writes its rows, and returns a result derived from `ImportProblems`.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from schools.commands import hub_by_slug

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class ImportProblems:
    """Errors (which stop the import) and notes, each `line N: column: message`."""

    dry_run: bool = False
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def error(self, line, column, message):
        self.errors.append(f"line {line}: {column}: {message}")

    def note(self, line, column, message):
        self.notes.append(f"line {line}: {column}: {message}")

    def sort(self):
        self.errors.sort(key=line_number)
        self.notes.sort(key=line_number)


def line_number(problem):
    return int(problem.split(":", 1)[0].removeprefix("line "))


def read_rows(data, columns, result, what="rows"):
    """(line, {column: value}) for each non-blank line of UTF-8 CSV `data`.

    The header names `columns` in any order and case; unknown columns are ignored (noted), a
    column named twice or missing is an error. File-level problems go to `result`.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        result.error(line, "file", f"the file is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})")
        return []
    if not text.strip():
        result.error(1, "file", "the file is empty")
        return []
    if "\x00" in text:
        # PostgreSQL cannot store a NUL character in text: name the lines rather than fail later.
        for line, content in enumerate(text.split("\n"), start=1):
            if "\x00" in content:
                result.error(line, "row", "contains a NUL character (a zero byte); remove it and import again")
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    try:
        header = [name.strip().lower() for name in next(reader)]
        positions = _check_header(header, columns, result)
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        result.error(reader.line_num, "file", f"not readable as CSV ({error})")
        return []
    if result.errors:
        return []
    if not records:
        result.error(2, "file", f"the file has a header but no {what}")
    parsed = []
    for line, cells in records:
        if len(cells) < len(header) or any(cell.strip() for cell in cells[len(header) :]):
            result.error(line, "row", f"has {len(cells)} fields but the header has {len(header)}")
            continue
        parsed.append((line, {name: cells[index].strip() for name, index in positions.items()}))
    return parsed


def _check_header(header, columns, result):
    positions = {}
    for index, name in enumerate(header):
        if not name:
            continue
        if name in positions:
            result.error(1, name, "column appears more than once")
        elif name in columns:
            positions[name] = index
        else:
            result.note(1, name, "unknown column ignored")
    for name in columns:
        if name not in positions:
            result.error(1, name, "missing column")
    return positions


def email_cell(line, column, value, result):
    email = value.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            result.error(line, column, f"{value!r} is not a valid e-mail address")
    return email


def date_cell(line, column, value, result):
    if not value:
        return None
    try:
        if ISO_DATE.match(value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    result.error(line, column, f"{value!r} is not a date written YYYY-MM-DD")
    return None


class ImportCommand(BaseCommand):
    """`manage.py <name> FILE.csv --hub SLUG [--dry-run]` around an importer function.

    Subclasses set `importer(hub, data, dry_run=...)` (returning an `ImportProblems` with
    `summary_lines()`) and `help`.
    """

    importer = None

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file")
        parser.add_argument("--hub", required=True, help="Slug of the hub to import into")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing")

    def handle(self, file, hub, dry_run=False, **options):
        hub = hub_by_slug(hub)
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        result = self.importer(hub, data, dry_run=dry_run)
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} problem(s) in {file}; nothing was imported.")
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run, nothing written: {file} would import into {hub.slug}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {file} into {hub.slug}"))
        for line in result.summary_lines():
            self.stdout.write(f"  {line}")
