"""Engagement reports: the school and hub reports and the DfE's 75% engagement evidence."""
