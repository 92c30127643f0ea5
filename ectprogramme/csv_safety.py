"""CSV exports that are safe to open in a spreadsheet (no formula injection).

Excel, LibreOffice and Google Sheets run a cell beginning with =, +, -, @ (and a tab or carriage
return, which they skip) as a formula, so a name or an e-mail address such as "=cmd@x.org" in an
export could run on the hub's computer. Every CSV the app writes goes through `safe_cell`, which
prefixes such text with a single quote (OWASP's advice): the spreadsheet shows it as text.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value` unchanged unless it is text a spreadsheet would read as a formula; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose cells (not the header) pass through `safe_cell`."""

    def writerow(self, rowdict):
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)
