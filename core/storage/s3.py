"""The S3 backend: objects in a bucket (or any S3-compatible service) through
django-storages' S3Storage, with URLs from the fast signer (presign.py) and
the read-ahead that streams one object after another (the album ZIP)."""

import functools
import logging
from concurrent.futures import ThreadPoolExecutor

from core.storage.base import StorageBackend
from core.storage.presign import S3Presigner, UnsupportedPresign

logger = logging.getLogger(__name__)


class S3Backend(StorageBackend):
    """Objects in the bucket of a django-storages S3Storage."""

    @functools.cached_property
    def presigner(self):
        """The fast signer, or None when the storage is set up in a way only
        django-storages can sign (custom domain, CloudFront...)."""
        try:
            return S3Presigner(self.storage)
        except UnsupportedPresign as exc:
            logger.info("pre-signing through django-storages: %s", exc)
            return None

    def url(self, key, parameters, expire=None):
        presigner = self.presigner
        if presigner is not None:  # ~40x faster than botocore (see presign.py)
            try:
                return presigner.url(key, parameters, expire=expire)
            except UnsupportedPresign:
                pass
        return self.storage.url(key, parameters=parameters, expire=expire)

    @property
    def client(self):
        # The storage's boto3 client: thread-safe, unlike its boto3 resource.
        return self.storage.connection.meta.client

    def name(self, key):
        """The object's name in the bucket: `key` under AWS_LOCATION, if any."""
        location = self.storage.location.rstrip("/")
        return f"{location}/{key}" if location else key

    def list(self, prefix=""):
        location = self.name("")
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(
            Bucket=self.storage.bucket_name, Prefix=location + prefix
        ):
            for entry in page.get("Contents", ()):
                yield entry["Key"][len(location) :], entry["LastModified"]

    def iter_objects(self, keys, chunk_size):
        """The next object is asked for on a second thread while this one
        streams, so S3's wait before each object's first byte overlaps the
        transfer of the one before."""
        return S3ReadAhead(self, keys, chunk_size).iterators()

    def open_signed(self, name, query):
        # S3 serves its own pre-signed URLs: nothing is served from here.
        raise FileNotFoundError(name)

    def start_upload(self, key, content_type, parts):
        if parts == 1:
            return ""
        answer = self.client.create_multipart_upload(
            Bucket=self.storage.bucket_name,
            Key=self.name(key),
            ContentType=content_type,
        )
        return answer["UploadId"]

    def sign_upload_part(self, key, upload_id, number, size, content_type, expire):
        # botocore signs ContentLength (and ContentType) into SignedHeaders:
        # S3 refuses a body of any other length.
        params = {"Bucket": self.storage.bucket_name, "Key": self.name(key)}
        headers = {}
        if upload_id:
            operation = "upload_part"
            params.update(UploadId=upload_id, PartNumber=number, ContentLength=size)
        else:
            operation = "put_object"
            params.update(ContentLength=size, ContentType=content_type)
            headers["Content-Type"] = content_type
        url = self.client.generate_presigned_url(
            operation, Params=params, ExpiresIn=expire, HttpMethod="PUT"
        )
        return {"url": url, "method": "PUT", "headers": headers}

    def upload_parts(self, key, upload_id):
        if not upload_id:
            return []
        found = []
        paginator = self.client.get_paginator("list_parts")
        for page in paginator.paginate(
            Bucket=self.storage.bucket_name, Key=self.name(key), UploadId=upload_id
        ):
            for part in page.get("Parts", ()):
                found.append(
                    {
                        "number": part["PartNumber"],
                        "size": part["Size"],
                        "etag": part["ETag"],
                    }
                )
        return found

    def finish_upload(self, key, upload_id, parts):
        if not upload_id:
            return
        self.client.complete_multipart_upload(
            Bucket=self.storage.bucket_name,
            Key=self.name(key),
            UploadId=upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": part["number"], "ETag": part["etag"]}
                    for part in sorted(parts, key=lambda part: part["number"])
                ]
            },
        )

    def abort_upload(self, key, upload_id):
        if upload_id:
            self.client.abort_multipart_upload(
                Bucket=self.storage.bucket_name, Key=self.name(key), UploadId=upload_id
            )

    def unfinished_uploads(self, prefix):
        location = self.name("")
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(
            Bucket=self.storage.bucket_name, Prefix=location + prefix
        ):
            for upload in page.get("Uploads", ()):
                key = upload["Key"][len(location) :]
                yield key, upload["UploadId"], upload["Initiated"]

    def size(self, key):
        try:
            answer = self.client.head_object(
                Bucket=self.storage.bucket_name, Key=self.name(key)
            )
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(key) from exc
            raise
        return answer["ContentLength"]


class S3ReadAhead:
    """Reads objects in turn with the next one's GET already sent: at most two
    responses open, their bodies read only as the consumer asks."""

    def __init__(self, backend, keys, chunk_size):
        self.names = [backend.name(key) for key in keys]
        self.chunk_size = chunk_size
        self.bucket = backend.storage.bucket_name
        # Taken here: django-storages makes a connection per thread, and a
        # client can be shared between threads.
        self.client = backend.client
        self.pool = None
        self.next_body = None  # (index, Future of the body)

    def iterators(self):
        return [self._iterate(index) for index in range(len(self.names))]

    def _get(self, index):
        return self.client.get_object(Bucket=self.bucket, Key=self.names[index])["Body"]

    def _iterate(self, index):
        if self.next_body and self.next_body[0] == index:
            body = self.next_body[1].result()
            self.next_body = None
        else:
            body = self._get(index)
        try:
            if index + 1 < len(self.names):
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
        """Drop the object asked for ahead (closing its body once it arrives)
        and the thread."""
        if self.next_body:
            self.next_body[1].add_done_callback(_close_body)
            self.next_body = None
        if self.pool is not None:
            self.pool.shutdown(wait=False)
            self.pool = None


def _close_body(future):
    if not future.cancelled() and future.exception() is None:
        future.result().close()
