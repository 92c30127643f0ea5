"""Nudges and praise: when and whom to e-mail about engagement."""
