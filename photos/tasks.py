"""The background tasks of photos, for Celery's autodiscovery (the worker
imports this module); each lives with the code it belongs to."""

from photos.direct_uploads import process_upload, process_video

__all__ = ["process_upload", "process_video"]
