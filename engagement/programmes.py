"""The programme versions and their module catalogues, shipped as data (`engagement/data/`).

`ecf2021`: study weekly (ECT1) / fortnightly (ECT2); `ecte2025`: study fortnightly in both years.
Coaching is weekly (ECT1) / fortnightly (ECT2) in both; formal observations by the induction tutor
are half-termly (ECT1) and termly (ECT2). A data migration loads them with `load_programmes`.
"""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

PROGRAMME_VERSIONS = [
    {
        "code": "ecf2021",
        "name": "Early career framework programme (2021–24)",
        "study_cadence_ect1": "weekly",
        "study_cadence_ect2": "fortnightly",
        "coaching_cadence_ect1": "weekly",
        "coaching_cadence_ect2": "fortnightly",
        "formal_observations_ect1": "half_term",
        "formal_observations_ect2": "term",
    },
    {
        "code": "ecte2025",
        "name": "ECT entitlement programme (2025–27)",
        "study_cadence_ect1": "fortnightly",
        "study_cadence_ect2": "fortnightly",
        "coaching_cadence_ect1": "weekly",
        "coaching_cadence_ect2": "fortnightly",
        "formal_observations_ect1": "half_term",
        "formal_observations_ect2": "term",
    },
]


def catalogue_rows(code):
    with open(DATA / f"modules_{code}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_programmes(ProgrammeVersion, Module):
    """Create or update every programme version and its modules (models passed in for migrations)."""
    for fields in PROGRAMME_VERSIONS:
        version, _ = ProgrammeVersion.objects.update_or_create(code=fields["code"], defaults=fields)
        for row in catalogue_rows(version.code):
            Module.objects.update_or_create(
                programme=version,
                code=row["code"],
                defaults={"strand": row["strand"], "title": row["title"], "year": int(row["year"]), "order": int(row["order"])},
            )
