"""
The one module that talks to file storage.

Everything else asks this module to save, link to or delete an object by its
key and never knows whether S3 (django-storages) or the local folder
(LocalSignedStorage) is behind it: both hand out short-lived signed URLs.
"""

import hmac
import logging
import mimetypes
import os
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

# Only these response overrides may be signed into a URL, as on S3.
SIGNED_PARAMETERS = ("ResponseContentType", "ResponseContentDisposition")
_SALT = "photos.storage.LocalSignedStorage"


class LocalSignedStorage(FileSystemStorage):
    """A private local folder with URLs that behave like S3 pre-signed URLs.

    Nothing under MEDIA_ROOT is served as a directory; the `media` view serves
    one object only for a URL whose signature and expiry check out.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.MEDIA_ROOT)
        super().__init__(**kwargs)

    def url(self, name, parameters=None, expire=None, http_method=None):
        expires = int(time.time()) + (expire or settings.STORAGE_URL_EXPIRY)
        query = {"Expires": str(expires)}
        for key in SIGNED_PARAMETERS:
            if parameters and parameters.get(key):
                query[key] = parameters[key]
        query["Signature"] = local_signature(name, query)
        return reverse("media", args=[name]) + "?" + urlencode(query, quote_via=quote)


def local_signature(name, query):
    signed = "\n".join([name] + [f"{k}={query[k]}" for k in ("Expires",) + SIGNED_PARAMETERS if k in query])
    return salted_hmac(_SALT, signed, algorithm="sha256").hexdigest()


def check_local_signature(name, query):
    """Return the signed parameters of a local URL, or None if it is forged or expired."""
    signature = query.get("Signature", "")
    expected = local_signature(name, {k: v for k, v in query.items() if k in ("Expires",) + SIGNED_PARAMETERS})
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        if int(query.get("Expires", "0")) < time.time():
            return None
    except ValueError:
        return None
    return {k: query[k] for k in SIGNED_PARAMETERS if k in query}


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
    saved = default_storage.save(key, content)
    if saved != key:  # keys are random: a clash means something is badly wrong
        default_storage.delete(saved)
        raise FileExistsError(f"storage object {key} already exists")
    return key


def url(key, *, content_type=None, download_as=None, expire=None):
    """A short-lived URL for one object; `download_as` makes it an attachment."""
    parameters = {"ResponseContentType": content_type or content_type_for(key)}
    if download_as:
        parameters["ResponseContentDisposition"] = content_disposition(download_as)
    return default_storage.url(key, parameters=parameters, expire=expire)


def content_disposition(filename, disposition="attachment"):
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("\\", "")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def open_object(key):
    return default_storage.open(key, "rb")


def exists(key):
    return default_storage.exists(key)


def delete(keys):
    """Delete objects now, logging (not raising) failures: the reconcile
    command picks up anything left behind."""
    for key in keys:
        if not key:
            continue
        try:
            default_storage.delete(key)
        except Exception:
            logger.exception("could not delete storage object %s; reconcile_storage will retry", key)


def delete_on_commit(keys):
    """Delete objects once the current transaction commits (at once outside one)."""
    keys = [key for key in keys if key]
    if keys:
        transaction.on_commit(lambda: delete(keys))


def list_objects(prefix=""):
    """Yield (key, last_modified) for every stored object under `prefix`,
    a page at a time, so it works for buckets of any size."""
    if isinstance(default_storage, LocalSignedStorage):
        root = default_storage.path("")
        for dirpath, _dirnames, filenames in os.walk(root):
            for filename in filenames:
                path = os.path.join(dirpath, filename)
                key = os.path.relpath(path, root).replace(os.sep, "/")
                if key.startswith(prefix):
                    yield key, default_storage.get_modified_time(key)
        return
    client = default_storage.connection.meta.client
    location = default_storage.location.rstrip("/") + "/" if default_storage.location else ""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=default_storage.bucket_name, Prefix=location + prefix):
        for entry in page.get("Contents", ()):
            yield entry["Key"][len(location):], entry["LastModified"]
