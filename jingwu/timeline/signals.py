"""Signals of the legal timeline, for the apps that read it (supervision)."""

from django.dispatch import Signal

# Sent after events were written in bulk (bulk_create sends no post_save): `subjects` is a list of
# (subject_type, subject_id) pairs.
legal_events_recorded = Signal()
