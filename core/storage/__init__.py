"""
The one package that talks to file storage.

Everything else calls the functions here to save, link to or delete an object
by its key, and never knows whether S3 (django-storages) or the local folder
is behind it: both hand out short-lived signed URLs.

- base.py: StorageBackend, the methods every backend has;
- local.py: LocalBackend and LocalSignedStorage, the private local folder
  (the default without a bucket) and its signed URLs;
- s3.py: S3Backend, a bucket through django-storages, with the read-ahead
  for streaming many objects;
- presign.py: S3Presigner, the fast SigV4 signer S3Backend uses.

backend() picks the backend once from STORAGES["default"] (a Django storage
class: S3Storage with a bucket, else LocalSignedStorage) and every function
here hands its work to it.
"""

import functools
import logging
import mimetypes
from urllib.parse import quote

from django.core.files.base import ContentFile, File
from django.core.files.storage import storages as django_storages
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from core.errors import StorageUnavailable
from core.storage.local import LocalBackend

__all__ = [
    "StorageUnavailable",
    "backend",
    "content_disposition",
    "content_type_for",
    "delete",
    "delete_on_commit",
    "exists",
    "iter_object",
    "iter_objects",
    "list_objects",
    "open_signed",
    "save",
    "url",
]

logger = logging.getLogger(__name__)


@functools.cache
def backend():
    """The backend of the default storage (made once, and again after the
    STORAGES or AWS_* settings change)."""
    from storages.backends.s3 import S3Storage

    storage = django_storages["default"]
    if isinstance(storage, S3Storage):
        from core.storage.s3 import S3Backend

        return S3Backend(storage)
    return LocalBackend(storage)


@receiver(setting_changed)
def _forget_backend(setting, **kwargs):
    if setting == "STORAGES" or setting.startswith("AWS_"):
        backend.cache_clear()


def content_type_for(key):
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def save(key, content, content_type):
    """Store bytes or a file object under exactly `key` and return the key."""
    if isinstance(content, bytes):
        content = ContentFile(content)
    elif not isinstance(content, File):
        content = File(content)
    content.content_type = content_type
    if hasattr(content, "seek"):
        content.seek(0)
    return backend().save(key, content)


def url(key, *, content_type=None, download_as=None, expire=None):
    """A short-lived URL for one object; `download_as` makes it an attachment.
    Raises StorageUnavailable when no URL can be signed (e.g. the credentials
    can't be loaded or refreshed)."""
    parameters = {"ResponseContentType": content_type or content_type_for(key)}
    if download_as:
        parameters["ResponseContentDisposition"] = content_disposition(download_as)
    try:
        return backend().url(key, parameters, expire=expire)
    except Exception as exc:
        logger.exception("could not sign a URL for storage object %s", key)
        raise StorageUnavailable from exc


def content_disposition(filename, disposition="attachment"):
    ascii_name = (
        filename.encode("ascii", "replace").decode().replace('"', "").replace("\\", "")
    )
    return (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )


def exists(key):
    return backend().exists(key)


def delete(keys):
    """Delete objects now, logging (not raising) failures: the reconcile
    command picks up anything left behind."""
    for key in keys:
        if not key:
            continue
        try:
            backend().delete(key)
        except Exception:
            logger.exception(
                "could not delete storage object %s; reconcile_storage will retry", key
            )


def delete_on_commit(keys):
    """Delete objects once the current transaction commits (at once outside one)."""
    keys = [key for key in keys if key]
    if keys:
        transaction.on_commit(lambda: delete(keys))


def list_objects(prefix=""):
    """Yield (key, last_modified) for every stored object under `prefix`,
    a page at a time, so it works for buckets of any size."""
    yield from backend().list(prefix)


def iter_object(key, chunk_size=1024 * 1024):
    """Yield an object's bytes a chunk at a time, never holding it whole
    (django-storages' S3File would first copy the object to a temporary file)."""
    (chunks,) = iter_objects([key], chunk_size)
    return chunks


def iter_objects(keys, chunk_size=1024 * 1024):
    """One iterator per key, for reading the objects one after another (the
    ZIP of an album). On S3 the next object is asked for while one streams."""
    return backend().iter_objects(keys, chunk_size)


def open_signed(name, query):
    """For the `media` view: (open file, signed parameters) for a signed URL
    of the local storage, None when its signature is forged or expired.
    Raises OSError when there is nothing to serve (on S3, always)."""
    return backend().open_signed(name, query)


# Direct uploads (see StorageBackend): the browser sends the bytes, the server
# only signs, checks and assembles.


def start_upload(key, content_type, parts):
    return backend().start_upload(key, content_type, parts)


def sign_upload_part(key, upload_id, number, size, content_type, expire=600):
    return backend().sign_upload_part(
        key, upload_id, number, size, content_type, expire
    )


def upload_parts(key, upload_id):
    return backend().upload_parts(key, upload_id)


def finish_upload(key, upload_id, parts):
    backend().finish_upload(key, upload_id, parts)


def abort_upload(key, upload_id):
    backend().abort_upload(key, upload_id)


def unfinished_uploads(prefix=""):
    yield from backend().unfinished_uploads(prefix)


def size(key):
    return backend().size(key)


def write_upload_part(key, upload_id, number, stream, size):
    """For the local backend's upload endpoint (core.views.upload_part)."""
    return backend().write_part(key, upload_id, number, stream, size)
