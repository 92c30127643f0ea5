"""manage.py import_dfe_participants FILE.csv --hub SLUG [--dry-run]

The file and its rules are in `participants.dfe_imports`.
"""

from participants import dfe_imports
from participants.import_plan import ImportPlan
from participants.imports import import_registrations
from schools.csv_import import ImportCommand


def import_dfe_participants(hub, data, *, dry_run=False):
    """Import `data` if it is the DfE's participant file (else one problem on line 1)."""
    if not dfe_imports.is_dfe_file(data):
        plan = ImportPlan(format=dfe_imports.FORMAT, hub=hub.slug)
        plan.error(1, "file", f"not the DfE's participant file, whose header is {','.join(dfe_imports.COLUMNS)}")
        return plan
    return import_registrations(hub, data, dry_run=dry_run)


class Command(ImportCommand):
    importer = staticmethod(import_dfe_participants)
    help = (
        "Import schools, ECTs and mentors from the DfE's participant CSV file (columns "
        f"{', '.join(dfe_imports.COLUMNS)}). All or nothing: any problem is listed and nothing is written."
    )
