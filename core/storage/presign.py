"""Fast S3 pre-signing (Benchmarks issue).

botocore spends about half a millisecond on one pre-signed URL (a request
object, event hooks, endpoint rules, then the signature); an album page needs
one per thumbnail. S3Presigner signs GET URLs with one SHA-256 and one HMAC
under the day's signing key instead, from public APIs only:

- the bucket, region, endpoint, addressing style and AWS_LOCATION are the
  settings the S3Storage was made with (its public attributes, which
  django-storages fills from AWS_* settings or STORAGES OPTIONS);
- the credentials come from a boto3 Session made as django-storages makes
  its own, and are read again (frozen) for every URL, so refreshable
  credentials refresh;
- keys are normalised with django-storages' public clean_name and safe_join.

At start-up it asks the storage for one URL (S3Storage.url, through
botocore) and refuses to work, leaving signing to django-storages, unless
its own URL for the same key and moment is the same string.
core/tests/test_presign.py proves its URLs identical to botocore's across
setups.

URLs are signed as of the start of a time window (STORAGE_URL_WINDOW seconds,
default 15 minutes) and stay valid STORAGE_URL_EXPIRY after its end, so a
page rendered twice in the same window links to the same URLs and browsers
reuse the thumbnails they already have.
"""

import functools
import hashlib
import hmac
import re
import time
from urllib.parse import parse_qs, quote, urlsplit

import boto3
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.dispatch import receiver
from storages.backends.s3 import S3Storage
from storages.utils import clean_name, safe_join

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
_PROBE_KEY = "presign-probe/ü ~+.jpg"
_PROBE_PARAMETERS = {"ResponseContentType": "image/jpeg"}


class UnsupportedPresign(Exception):
    """The storage is set up in a way only django-storages knows how to sign."""


# Characters botocore's percent_encode(key, safe="/~") leaves alone: most keys
# are made of these only and need no quoting at all.
_needs_quoting = re.compile(r"[^A-Za-z0-9_.~/-]").search
# Bucket names botocore puts in the host name (virtual-hosted style).
_virtual_host_bucket = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]").fullmatch


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


def boto3_session(storage):
    """A boto3 Session with the storage's credentials, made as django-storages
    makes its own: a profile, given keys, or else boto3's default chain."""
    if storage.session_profile:
        return boto3.session.Session(profile_name=storage.session_profile)
    return boto3.session.Session(
        aws_access_key_id=storage.access_key,
        aws_secret_access_key=storage.secret_key,
        aws_session_token=storage.security_token,
    )


def url_prefix(storage, region):
    """Where botocore puts the storage's objects: the URL up to the key, for
    the usual setups (the start-up check catches any other)."""
    bucket = storage.bucket_name
    style = storage.addressing_style
    virtual = _virtual_host_bucket(bucket) is not None
    if storage.endpoint_url:
        scheme, netloc, path, _query, _fragment = urlsplit(storage.endpoint_url)
        path = path.rstrip("/")
        if style == "virtual" and virtual:
            return f"{scheme}://{bucket}.{netloc}{path}/"
        return f"{scheme}://{netloc}{path}/{bucket}/"
    scheme = "https" if storage.use_ssl else "http"
    host = "s3.amazonaws.com" if region == "us-east-1" else f"s3.{region}.amazonaws.com"
    if style == "path" or not virtual:
        return f"{scheme}://{host}/{bucket}/"
    if style == "virtual":
        return f"{scheme}://{bucket}.{host}/"
    # Automatic addressing: botocore pre-signs on the global endpoint.
    return f"{scheme}://{bucket}.s3.amazonaws.com/"


def _host_header(scheme, netloc):
    # As botocore.auth._host_from_url: lowercase, no userinfo, no default port.
    host = netloc.rpartition("@")[2].lower()
    default_port = {"http": ":80", "https": ":443"}.get(scheme)
    if default_port and host.endswith(default_port):
        host = host[: -len(default_port)]
    return host


class S3Presigner:
    """Signs GET URLs of a django-storages S3Storage exactly as its botocore
    client would. Raises UnsupportedPresign for setups it can't sign."""

    def __init__(self, storage):
        if type(storage).url is not S3Storage.url:
            raise UnsupportedPresign(f"{type(storage).__name__} has its own url()")
        if (
            storage.custom_domain
            or storage.cloudfront_signer
            or not storage.querystring_auth
        ):
            raise UnsupportedPresign("custom domain, CloudFront or unsigned URLs")
        if storage.signature_version not in (None, "s3v4", "v4"):
            raise UnsupportedPresign(f"signature version {storage.signature_version}")
        session = boto3_session(storage)
        self._credential_source = session.get_credentials()
        if self._credential_source is None:
            raise UnsupportedPresign("no credentials")
        self._region = storage.region_name or session.region_name or "us-east-1"
        self._location = storage.location
        self._location_prefix = self._normalize_slowly("x")[:-1]
        self.default_expiry = storage.querystring_expire
        self._url_prefix = url_prefix(storage, self._region)
        scheme, _, rest = self._url_prefix.partition("://")
        netloc, slash, path = rest.partition("/")
        self._path_prefix = slash + path
        self._host = _host_header(scheme, netloc)
        self._signing_key = (None, None)
        self._auth = (None, None)
        self._timestamp = (None, None)

        # The safety net: one URL from botocore, rebuilt here string for string.
        probe = storage.url(_PROBE_KEY, parameters=dict(_PROBE_PARAMETERS))
        timestamp = parse_qs(urlsplit(probe).query).get("X-Amz-Date", [""])[0]
        if not timestamp:
            raise UnsupportedPresign("botocore's URL is not signed with SigV4")
        own = self.sign(
            self.normalize(_PROBE_KEY),
            _PROBE_PARAMETERS,
            self.default_expiry,
            timestamp,
        )
        if own != probe:
            raise UnsupportedPresign(
                "own URL differs from botocore's (unusual endpoint or settings)"
            )

    def url(self, key, parameters=None, expire=None, window=None, now=None):
        """A pre-signed GET URL for `key`, signed as of the start of the current
        `window` (seconds; 0 signs as of now) and valid `expire` seconds past
        it."""
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
        prefix, path clean-up), without its cost for keys that are already
        clean."""
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

    def _normalize_slowly(self, key):
        """As S3Storage.url does it: clean_name, then joined under
        AWS_LOCATION, never outside it."""
        try:
            return safe_join(self._location, clean_name(key))
        except ValueError:
            raise SuspiciousOperation(f"Attempted access to '{key}' denied.") from None

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
        canonical_request = (
            f"GET\n{self._path_prefix}{quoted}\n{canonical_query}\n"
            f"host:{self._host}\n\nhost\nUNSIGNED-PAYLOAD"
        )
        request_hash = hashlib.sha256(canonical_request.encode()).hexdigest()
        string_to_sign = f"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{request_hash}"
        signature = signing_hmac.hexdigest(string_to_sign.encode())
        operation_query = "".join(f"{k}={v}&" for k, v in operation)
        return (
            f"{self._url_prefix}{quoted}?{operation_query}{auth_query}"
            f"&X-Amz-Signature={signature}"
        )

    def _auth_for(self, timestamp, expires):
        """The X-Amz-* query (as botocore orders it, and sorted for the
        canonical request), scope and signing key; the same for every URL of a
        window, so kept until the window or the credentials change."""
        credentials = self._credential_source.get_frozen_credentials()
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
        """The day's SigV4 signing key (the HMAC chain of date, region,
        service)."""
        cache_key = (secret_key, date, self._region)
        cached_key, signing_hmac = self._signing_key
        if cached_key != cache_key:
            signing_key = f"AWS4{secret_key}".encode()
            for part in (date, self._region, "s3", "aws4_request"):
                signing_key = hmac.digest(signing_key, part.encode(), "sha256")
            signing_hmac = _Hmac(signing_key)
            self._signing_key = (cache_key, signing_hmac)
        return signing_hmac
