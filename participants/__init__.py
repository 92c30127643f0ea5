"""People and their roles in a hub: users, hub staff, induction tutors, mentors, ECTs."""
