"""Signals albums sends for the apps above it (which albums doesn't import)."""

from django.dispatch import Signal

# Sent (with `album`) when the hosts reveal a drop box now, or lock uploads
# by hand: photos.notifications sends guests the album's link once the
# transaction commits, without waiting for the periodic check.
guest_links_due = Signal()
