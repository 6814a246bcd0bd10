"""
The one module that talks to file storage.

Everything else asks this module to save, link to or delete an object by its
key and never knows whether S3 (django-storages) or the local folder
(LocalSignedStorage) is behind it: both hand out short-lived signed URLs.
"""

import functools
import hashlib
import hmac
import logging
import mimetypes
import os
import re
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.storage import storages as django_storages
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
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
    signed = "\n".join(
        [name]
        + [f"{k}={query[k]}" for k in ("Expires",) + SIGNED_PARAMETERS if k in query]
    )
    return salted_hmac(_SALT, signed, algorithm="sha256").hexdigest()


def check_local_signature(name, query):
    """Return the signed parameters of a local URL, or None if it is forged or expired."""
    signature = query.get("Signature", "")
    expected = local_signature(
        name, {k: v for k, v in query.items() if k in ("Expires",) + SIGNED_PARAMETERS}
    )
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        if int(query.get("Expires", "0")) < time.time():
            return None
    except ValueError:
        return None
    return {k: query[k] for k in SIGNED_PARAMETERS if k in query}


class StorageUnavailable(Exception):
    """Storage failed for a reason that is ours, not the user's file's: it
    can't be written to or can't sign a URL. The middleware answers 503."""

    message = "The photo could not be saved just now (storage is unavailable). Please try again in a minute."


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
    """A short-lived URL for one object; `download_as` makes it an attachment.
    Raises StorageUnavailable when no URL can be signed (e.g. the credentials
    can't be loaded or refreshed)."""
    parameters = {"ResponseContentType": content_type or content_type_for(key)}
    if download_as:
        parameters["ResponseContentDisposition"] = content_disposition(download_as)
    try:
        presigner = fast_presigner()
        if (
            presigner is not None
        ):  # S3: sign here, ~40x faster than botocore (see S3Presigner)
            try:
                return presigner.url(key, parameters, expire=expire)
            except UnsupportedPresign:
                pass
        return default_storage.url(key, parameters=parameters, expire=expire)
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
    if isinstance(default_storage, LocalSignedStorage):
        root = default_storage.path("")
        # Walk only the deepest folder the prefix names, not the whole tree.
        for dirpath, _dirnames, filenames in os.walk(
            default_storage.path(prefix.rpartition("/")[0])
        ):
            for filename in filenames:
                path = os.path.join(dirpath, filename)
                key = os.path.relpath(path, root).replace(os.sep, "/")
                if key.startswith(prefix):
                    yield key, default_storage.get_modified_time(key)
        return
    location = _s3_name("")
    paginator = _s3_client().get_paginator("list_objects_v2")
    for page in paginator.paginate(
        Bucket=default_storage.bucket_name, Prefix=location + prefix
    ):
        for entry in page.get("Contents", ()):
            yield entry["Key"][len(location) :], entry["LastModified"]


def _s3_client():
    return (
        default_storage.connection.meta.client
    )  # thread-safe, unlike the boto3 resource


def _s3_name(key):
    """The object's name in the bucket: `key` under AWS_LOCATION, if any."""
    location = default_storage.location.rstrip("/")
    return f"{location}/{key}" if location else key


def iter_object(key, chunk_size=1024 * 1024):
    """Yield an object's bytes a chunk at a time, never holding it whole
    (django-storages' S3File would first copy the object to a temporary file)."""
    (chunks,) = iter_objects([key], chunk_size)
    return chunks


def iter_objects(keys, chunk_size=1024 * 1024):
    """One iterator per key, for reading the objects one after another (the
    ZIP of an album). On S3 the next object is asked for on a second thread
    while this one streams, so S3's wait before each object's first byte
    overlaps the transfer of the one before."""
    if isinstance(default_storage, LocalSignedStorage):
        return [_iter_local_file(key, chunk_size) for key in keys]
    return _S3ReadAhead(keys, chunk_size).iterators()


def _iter_local_file(key, chunk_size):
    with default_storage.open(key, "rb") as fh:
        while chunk := fh.read(chunk_size):
            yield chunk


class _S3ReadAhead:
    """Reads objects in turn with the next one's GET already sent: at most two
    responses open, their bodies read only as the consumer asks."""

    def __init__(self, keys, chunk_size):
        self.keys, self.chunk_size = list(keys), chunk_size
        # Taken here: django-storages makes a connection per thread, and a
        # client can be shared between threads.
        self.client = _s3_client()
        self.pool = None
        self.next_body = None  # (index, Future of the body)

    def iterators(self):
        return [self._iterate(index) for index in range(len(self.keys))]

    def _get(self, index):
        return self.client.get_object(
            Bucket=default_storage.bucket_name, Key=_s3_name(self.keys[index])
        )["Body"]

    def _iterate(self, index):
        if self.next_body and self.next_body[0] == index:
            body = self.next_body[1].result()
            self.next_body = None
        else:
            body = self._get(index)
        try:
            if index + 1 < len(self.keys):
                if self.pool is None:
                    self.pool = ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix="s3-read-ahead"
                    )
                self.next_body = (index + 1, self.pool.submit(self._get, index + 1))
            else:
                self._stop()
            yield from body.iter_chunks(self.chunk_size)
        except BaseException:  # an error, or the consumer went away (GeneratorExit)
            self._stop()
            raise
        finally:
            body.close()

    def _stop(self):
        """Drop the object asked for ahead (closing its body once it arrives) and the thread."""
        if self.next_body:
            self.next_body[1].add_done_callback(_close_body)
            self.next_body = None
        if self.pool is not None:
            self.pool.shutdown(wait=False)
            self.pool = None


def _close_body(future):
    if not future.cancelled() and future.exception() is None:
        future.result().close()


# ---------------------------------------------------------------------------
# Fast S3 pre-signing (Benchmarks issue)
#
# botocore spends about half a millisecond on one pre-signed URL (a request
# object, event hooks, endpoint rules, then the signature); an album page needs
# one per thumbnail. S3Presigner asks the configured client once how it
# addresses the bucket, checks that it can rebuild that very URL itself, and
# from then on signs GET URLs with one SHA-256 and one HMAC under the day's
# signing key. photos/tests/test_presign.py proves its URLs identical to
# botocore's, string for string.
#
# URLs are signed as of the start of a time window (STORAGE_URL_WINDOW seconds,
# default 15 minutes) and stay valid STORAGE_URL_EXPIRY after its end, so a
# page rendered twice in the same window links to the same URLs and browsers
# reuse the thumbnails they already have.
# ---------------------------------------------------------------------------

SIGV4_MAX_EXPIRY = 7 * 24 * 3600
DEFAULT_URL_WINDOW = 15 * 60
# GET response overrides S3 accepts, as botocore names them in the query.
RESPONSE_OVERRIDES = {
    "ResponseCacheControl": "response-cache-control",
    "ResponseContentDisposition": "response-content-disposition",
    "ResponseContentEncoding": "response-content-encoding",
    "ResponseContentLanguage": "response-content-language",
    "ResponseContentType": "response-content-type",
}
_PRESIGN_PROBE_KEY = "presign-probe/ü ~+.jpg"


class UnsupportedPresign(Exception):
    """The storage is set up in a way only django-storages knows how to sign."""


# Characters botocore's percent_encode(key, safe="/~") leaves alone: most keys
# are made of these only and need no quoting at all.
_needs_quoting = re.compile(r"[^A-Za-z0-9_.~/-]").search


@functools.lru_cache(maxsize=1024)
def _aws_quote(value):
    # botocore.utils.percent_encode for query values (content types and
    # dispositions repeat, so cached).
    return quote(str(value).encode(), safe="-._~")


@functools.cache
def url_window():
    return getattr(settings, "STORAGE_URL_WINDOW", DEFAULT_URL_WINDOW)


@receiver(setting_changed)
def _forget_url_window(setting, **kwargs):
    if setting == "STORAGE_URL_WINDOW":
        url_window.cache_clear()


class _Hmac:
    """HMAC-SHA256 under one key with the padded key states hashed once:
    about twice as fast per message as hmac.digest()."""

    def __init__(self, key):
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hexdigest(self, message):
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


class S3Presigner:
    """Signs GET URLs exactly as the storage's botocore client would."""

    def __init__(self, backend):
        from storages.backends.s3 import S3Storage
        from storages.utils import clean_name

        if type(backend).url is not S3Storage.url:
            raise UnsupportedPresign(f"{type(backend).__name__} has its own url()")
        if (
            backend.custom_domain
            or backend.cloudfront_signer
            or not backend.querystring_auth
        ):
            raise UnsupportedPresign("custom domain, CloudFront or unsigned URLs")
        client = backend.connection.meta.client
        signer = client._request_signer
        if (
            signer.signature_version not in ("s3v4", "v4")
            or signer._credentials is None
        ):
            raise UnsupportedPresign(f"signature version {signer.signature_version}")
        self._credentials = signer._credentials
        self._normalize_slowly = lambda key: backend._normalize_name(clean_name(key))
        self._location_prefix = self._normalize_slowly("x")[:-1]
        self.default_expiry = backend.querystring_expire
        self._signing_key = (None, None)
        self._auth = (None, None)
        self._timestamp = (None, None)

        # Learn the addressing (host, path style, endpoint, region) from one
        # URL botocore makes, then check it can be rebuilt exactly.
        probe_name = self._normalize_slowly(_PRESIGN_PROBE_KEY)
        probe_parameters = {"ResponseContentType": "image/jpeg"}
        probe = client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": backend.bucket_name,
                "Key": probe_name,
                **probe_parameters,
            },
            ExpiresIn=self.default_expiry,
        )
        base, _, query = probe.partition("?")
        quoted_probe = quote(probe_name, safe="/~")
        if not base.endswith(quoted_probe):
            raise UnsupportedPresign(f"unexpected URL layout {base}")
        self._url_prefix = base[: -len(quoted_probe)]
        scheme, _, rest = self._url_prefix.partition("://")
        netloc, slash, path = rest.partition("/")
        self._path_prefix = slash + path
        self._host = self._host_header(scheme, netloc)
        fields = dict(pair.split("=", 1) for pair in query.split("&"))
        credential = fields.get("X-Amz-Credential", "").split("%2F")
        if len(credential) != 5 or credential[3:] != ["s3", "aws4_request"]:
            raise UnsupportedPresign(f"unexpected credential scope {credential}")
        self._region = credential[2]
        timestamp = fields["X-Amz-Date"]
        if (
            self.sign(probe_name, probe_parameters, self.default_expiry, timestamp)
            != probe
        ):
            raise UnsupportedPresign("own signature differs from botocore's")

    @staticmethod
    def _host_header(scheme, netloc):
        # As botocore.auth._host_from_url: lowercase, no userinfo, no default port.
        host = netloc.rpartition("@")[2].lower()
        default_port = {"http": ":80", "https": ":443"}.get(scheme)
        if default_port and host.endswith(default_port):
            host = host[: -len(default_port)]
        return host

    def url(self, key, parameters=None, expire=None, window=None, now=None):
        """A pre-signed GET URL for `key`, signed as of the start of the current
        `window` (seconds; 0 signs as of now) and valid `expire` seconds past it."""
        expires = self.default_expiry if expire is None else expire
        window = url_window() if window is None else window
        start = int(time.time() if now is None else now)
        if window and expires + window <= SIGV4_MAX_EXPIRY:
            start -= start % window
            expires += window
        cached_start, timestamp = self._timestamp
        if cached_start != start:
            timestamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start))
            self._timestamp = (start, timestamp)
        return self.sign(self.normalize(key), parameters, expires, timestamp)

    def normalize(self, key):
        """The object name S3Storage.url would use for `key` (AWS_LOCATION
        prefix, path clean-up), without its cost for keys that are already clean."""
        if (
            isinstance(key, str)
            and key
            and key[0] not in "/."
            and key[-1] != "/"
            and "//" not in key
            and "/." not in key
            and "\\" not in key
        ):
            return self._location_prefix + key
        return self._normalize_slowly(key)

    def sign(self, name, parameters, expires, timestamp):
        """The URL botocore's generate_presigned_url("get_object") gives for
        object `name` at `timestamp` (YYYYMMDDTHHMMSSZ)."""
        operation = []
        for parameter, value in (parameters or {}).items():
            if parameter not in RESPONSE_OVERRIDES:
                raise UnsupportedPresign(f"parameter {parameter}")
            operation.append((RESPONSE_OVERRIDES[parameter], _aws_quote(value)))
        auth_query, auth_canonical, scope, signing_hmac = self._auth_for(
            timestamp, expires
        )
        quoted = quote(name, safe="/~") if _needs_quoting(name) else name
        # All overrides are lowercase "response-...", so they sort after X-Amz-*.
        canonical_query = auth_canonical + "".join(
            f"&{k}={v}" for k, v in sorted(operation)
        )
        canonical_request = f"GET\n{self._path_prefix}{quoted}\n{canonical_query}\nhost:{self._host}\n\nhost\nUNSIGNED-PAYLOAD"
        string_to_sign = f"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
        signature = signing_hmac.hexdigest(string_to_sign.encode())
        operation_query = "".join(f"{k}={v}&" for k, v in operation)
        return f"{self._url_prefix}{quoted}?{operation_query}{auth_query}&X-Amz-Signature={signature}"

    def _auth_for(self, timestamp, expires):
        """The X-Amz-* query (as botocore orders it, and sorted for the
        canonical request), scope and signing key; the same for every URL of a
        window, so kept until the window or the credentials change."""
        credentials = self._credentials.get_frozen_credentials()
        cache_key = (timestamp, expires, credentials)
        cached_key, auth = self._auth
        if cached_key == cache_key:
            return auth
        date = timestamp[:8]
        scope = f"{date}/{self._region}/s3/aws4_request"
        fields = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": _aws_quote(f"{credentials.access_key}/{scope}"),
            "X-Amz-Date": timestamp,
            "X-Amz-Expires": str(expires),
            "X-Amz-SignedHeaders": "host",
        }
        if credentials.token is not None:
            fields["X-Amz-Security-Token"] = _aws_quote(credentials.token)
        auth_query = "&".join(f"{k}={v}" for k, v in fields.items())
        auth_canonical = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
        auth = (
            auth_query,
            auth_canonical,
            scope,
            self._signing_key_for(credentials.secret_key, date),
        )
        self._auth = (cache_key, auth)
        return auth

    def _signing_key_for(self, secret_key, date):
        """The day's SigV4 signing key (the HMAC chain of date, region, service)."""
        cache_key = (secret_key, date, self._region)
        cached_key, signing_hmac = self._signing_key
        if cached_key != cache_key:
            signing_key = f"AWS4{secret_key}".encode()
            for part in (date, self._region, "s3", "aws4_request"):
                signing_key = hmac.digest(signing_key, part.encode(), "sha256")
            signing_hmac = _Hmac(signing_key)
            self._signing_key = (cache_key, signing_hmac)
        return signing_hmac


_presigners = weakref.WeakKeyDictionary()


def fast_presigner():
    """The S3Presigner of the default storage, or None when it is not S3 or is
    set up in a way only django-storages can sign (custom domain, CloudFront...)."""
    backend = django_storages["default"]
    try:
        return _presigners[backend]
    except KeyError:
        pass
    presigner = None
    if type(backend).__module__.startswith("storages.backends.s3"):
        try:
            presigner = S3Presigner(backend)
        except UnsupportedPresign as exc:
            logger.info("pre-signing through django-storages: %s", exc)
    _presigners[backend] = presigner
    return presigner
