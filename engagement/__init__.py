"""Engagement: study and coaching periods, what counts, and the figures per person, school and hub."""
