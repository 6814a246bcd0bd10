"""The background tasks of photos, for Celery's autodiscovery (the worker
imports this module); each lives with the code it belongs to."""

from photos.direct_uploads import process_upload, process_video
from photos.notifications import guest_links_task as send_guest_links
from photos.notifications import send_notifications
from photos.trash import purge_trash

__all__ = [
    "process_upload",
    "process_video",
    "purge_trash",
    "send_guest_links",
    "send_notifications",
]
