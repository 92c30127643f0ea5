"""manage.py import_registrations FILE.csv --hub SLUG [--dry-run]

The file format and rules are in `participants.imports`.
"""

from participants.imports import COLUMNS, import_registrations
from schools.csv_import import ImportCommand


class Command(ImportCommand):
    importer = staticmethod(import_registrations)
    help = (
        "Import schools, ECTs, mentors and induction tutors from a UTF-8 CSV file with the columns "
        f"{', '.join(COLUMNS)}. All or nothing: any problem is listed and nothing is written."
    )
