"""The local backend: a private folder (MEDIA_ROOT) whose objects are reached
only through signed, expiring URLs that behave like S3 pre-signed ones
(served by core.views.media). Used when no bucket is configured."""

import hmac
import json
import os
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.crypto import salted_hmac

from core.storage.base import StorageBackend

# Only these response overrides may be signed into a URL, as on S3.
SIGNED_PARAMETERS = ("ResponseContentType", "ResponseContentDisposition")
# Part of every local signature: changing it voids the URLs handed out.
_SALT = "core.storage.LocalSignedStorage.v2"


class LocalSignedStorage(FileSystemStorage):
    """The Django storage class (STORAGES["default"]) for a private local
    folder with URLs that behave like S3 pre-signed URLs.

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
    """The HMAC of the name and every signable parameter, as a JSON list: one
    encoding per set of values, so no value can pass for another (a newline
    in a content type can't fake a disposition). Absent parameters are null."""
    fields = [name] + [query.get(k) for k in ("Expires",) + SIGNED_PARAMETERS]
    signed = json.dumps(fields, ensure_ascii=True, separators=(",", ":"))
    return salted_hmac(_SALT, signed, algorithm="sha256").hexdigest()


def _has_control_characters(value):
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


def check_local_signature(name, query):
    """Return the signed parameters of a local URL, or None if it is forged,
    expired or carries a control character anywhere (never signed by us)."""
    signable = {k: v for k, v in query.items() if k in ("Expires",) + SIGNED_PARAMETERS}
    if any(_has_control_characters(v) for v in (name, *signable.values())):
        return None
    signature = query.get("Signature", "")
    if not hmac.compare_digest(signature, local_signature(name, signable)):
        return None
    try:
        if int(query.get("Expires", "0")) < time.time():
            return None
    except ValueError:
        return None
    return {k: query[k] for k in SIGNED_PARAMETERS if k in query}


class LocalBackend(StorageBackend):
    """Objects in a folder on this machine (LocalSignedStorage)."""

    def url(self, key, parameters, expire=None):
        return self.storage.url(key, parameters=parameters, expire=expire)

    def list(self, prefix=""):
        root = self.storage.path("")
        # Walk only the deepest folder the prefix names, not the whole tree.
        for dirpath, _dirnames, filenames in os.walk(
            self.storage.path(prefix.rpartition("/")[0])
        ):
            for filename in filenames:
                path = os.path.join(dirpath, filename)
                key = os.path.relpath(path, root).replace(os.sep, "/")
                if key.startswith(prefix):
                    yield key, self.storage.get_modified_time(key)

    def iter_objects(self, keys, chunk_size):
        return [self._iter_file(key, chunk_size) for key in keys]

    def _iter_file(self, key, chunk_size):
        with self.storage.open(key, "rb") as fh:
            while chunk := fh.read(chunk_size):
                yield chunk

    def open_signed(self, name, query):
        signed = check_local_signature(name, query)
        if signed is None:
            return None
        return self.storage.open(name, "rb"), signed
