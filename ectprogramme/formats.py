"""How people read dates and percentages, in pages, messages and stored summaries alike.

Dates as "1 Sep 2025" (the project's `DATE_FORMAT`, which templates use too); percentages whole.
"""

from django.conf import settings
from django.utils import dateformat


def human_date(value):
    """A date as people read it: "1 Sep 2025"."""
    return dateformat.format(value, settings.DATE_FORMAT)


def whole_percent(value):
    """A percent as shown everywhere: whole, half up ("66.5" → "67"); None stays None."""
    return None if value is None else str(int(value + 0.5))
