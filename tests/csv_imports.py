"""Helpers shared by the tests of the CSV import commands."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command


def write_csv(tmp_path, rows, header, name="import.csv", encoding="utf-8"):
    """Write dict rows under `header` to a file and return its path."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column, "") for column in header])
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def run_import(command, path, *args, hub="north"):
    """(stdout, stderr) of a successful import command."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(command, str(path), "--hub", hub, *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_failing_import(command, path, *args, hub="north"):
    """(stderr lines, the CommandError's message) of an import command that refuses the file."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(command, str(path), "--hub", hub, *args, stdout=stdout, stderr=stderr)
    return stderr.getvalue().splitlines(), str(raised.value)
