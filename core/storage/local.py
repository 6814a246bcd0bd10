"""The local backend: a private folder (MEDIA_ROOT) whose objects are reached
only through signed, expiring URLs that behave like S3 pre-signed ones
(served by core.views.media). Used when no bucket is configured."""

import hashlib
import hmac
import json
import os
import re
import shutil
import time
import uuid
from datetime import UTC, datetime
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
_UPLOAD_SALT = "core.storage.LocalBackend.upload"
# Unfinished uploads' parts wait here, outside every key the app hands out.
PARTS_FOLDER = ".uploads"


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


def upload_signature(key, upload_id, number, size, content_type, expires):
    """The HMAC a local upload URL carries: key, upload, part, size, content
    type and expiry, JSON-encoded like local_signature, under its own salt."""
    fields = [key, upload_id, int(number), int(size), content_type, int(expires)]
    signed = json.dumps(fields, ensure_ascii=True, separators=(",", ":"))
    return salted_hmac(_UPLOAD_SALT, signed, algorithm="sha256").hexdigest()


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
        for dirpath, dirnames, filenames in os.walk(
            self.storage.path(prefix.rpartition("/")[0])
        ):
            # Unfinished uploads' parts are no objects (unfinished_uploads).
            dirnames[:] = [name for name in dirnames if name != PARTS_FOLDER]
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

    # Direct uploads go to core.views.upload_part, which checks the signature
    # as S3 would, then writes the part under PARTS_FOLDER (or, for a single
    # PUT, the object itself).

    def start_upload(self, key, content_type, parts):
        if parts == 1:
            return ""
        upload_id = uuid.uuid4().hex
        os.makedirs(self._parts_path(upload_id))
        with open(os.path.join(self._parts_path(upload_id), "key"), "w") as fh:
            fh.write(key)
        return upload_id

    def sign_upload_part(self, key, upload_id, number, size, content_type, expire):
        expires = int(time.time()) + expire
        query = {
            "upload": upload_id,
            "part": str(number),
            "size": str(size),
            "type": content_type,
            "Expires": str(expires),
        }
        query["Signature"] = upload_signature(
            key, upload_id, number, size, content_type, expires
        )
        url = (
            reverse("upload_part", args=[key]) + "?" + urlencode(query, quote_via=quote)
        )
        return {"url": url, "method": "PUT", "headers": {"Content-Type": content_type}}

    def _parts_path(self, upload_id, number=None):
        if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
            raise FileNotFoundError(upload_id)
        path = self.storage.path(f"{PARTS_FOLDER}/{upload_id}")
        return path if number is None else os.path.join(path, f"{int(number):05}")

    def write_part(self, key, upload_id, number, stream, size):
        """For core.views.upload_part: store exactly `size` bytes from
        `stream` as the part (or the object); returns its ETag (MD5, as S3's)."""
        digest = hashlib.md5(usedforsecurity=False)
        if upload_id:
            path = self._parts_path(upload_id, number)
            if not os.path.isdir(os.path.dirname(path)):
                raise FileNotFoundError(upload_id)
        else:
            path = self.storage.path(key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = f"{path}.{uuid.uuid4().hex}.partial"
        received = 0
        try:
            with open(partial, "wb") as fh:
                while received < size:
                    chunk = stream.read(min(1024 * 1024, size - received))
                    if not chunk:
                        break
                    received += len(chunk)
                    digest.update(chunk)
                    fh.write(chunk)
            if received != size or stream.read(1):
                raise ValueError(f"expected {size} bytes, got a different length")
            os.replace(partial, path)  # a part sent again replaces the first
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        return f'"{digest.hexdigest()}"'

    def upload_parts(self, key, upload_id):
        if not upload_id:
            return []
        folder = self._parts_path(upload_id)
        found = []
        for name in sorted(os.listdir(folder)):
            if not name.isdigit():
                continue
            path = os.path.join(folder, name)
            digest = hashlib.md5(usedforsecurity=False)
            with open(path, "rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    digest.update(chunk)
            found.append(
                {
                    "number": int(name),
                    "size": os.path.getsize(path),
                    "etag": f'"{digest.hexdigest()}"',
                }
            )
        return found

    def finish_upload(self, key, upload_id, parts):
        if not upload_id:
            return
        stored = {part["number"]: part for part in self.upload_parts(key, upload_id)}
        wanted = sorted(parts, key=lambda part: part["number"])
        for part in wanted:
            if stored.get(part["number"], {}).get("etag") != part["etag"]:
                raise ValueError(f"part {part['number']} is missing or differs")
        path = self.storage.path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "xb") as out:
            for part in wanted:
                with open(self._parts_path(upload_id, part["number"]), "rb") as fh:
                    shutil.copyfileobj(fh, out, 1024 * 1024)
        shutil.rmtree(self._parts_path(upload_id))

    def abort_upload(self, key, upload_id):
        if upload_id:
            shutil.rmtree(self._parts_path(upload_id), ignore_errors=True)

    def unfinished_uploads(self, prefix):
        root = self.storage.path(PARTS_FOLDER)
        if not os.path.isdir(root):
            return
        for upload_id in os.listdir(root):
            try:
                with open(os.path.join(root, upload_id, "key")) as fh:
                    key = fh.read()
            except OSError:
                continue
            if key.startswith(prefix):
                started = os.path.getmtime(os.path.join(root, upload_id))
                yield key, upload_id, datetime.fromtimestamp(started, tz=UTC)
