"""What a strict S3 store (SeaweedFS, see core/tests/seaweedfs.py) refuses of
boto3's pre-signed URLs sent with requests, as a browser would send them: the
checks moto's server leaves out, so uploads straight to storage are tested
against something that can say no.

boto3 binds Content-Length and Content-Type into a pre-signed PUT when they are
passed as Params: generate_presigned_url("put_object", Params={..., "ContentLength":
n, "ContentType": t}) signs `content-length;content-type;host` (X-Amz-SignedHeaders),
and upload_part with ContentLength signs `content-length;host`; the part number
and upload id are in the signed query.
"""

import base64
import datetime
import hashlib
import os
import uuid
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from botocore.exceptions import ClientError

from core.tests.seaweedfs import set_bucket_cors

MiB = 1024 * 1024
ORIGIN = "http://127.0.0.1:8000"
OTHER_ORIGIN = "http://evil.example"


@pytest.fixture(scope="module")
def s3(seaweedfs):
    return seaweedfs.client()


def new_key():
    return f"albums/1/{uuid.uuid4().hex}.jpg"


def presigned_put(s3, bucket, key, length, content_type="image/jpeg", expires=60):
    return s3.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ContentLength": length,
            "ContentType": content_type,
        },
        ExpiresIn=expires,
    )


def presigned_part(s3, bucket, key, upload_id, number, length):
    return s3.generate_presigned_url(
        "upload_part",
        Params={
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": number,
            "ContentLength": length,
        },
        ExpiresIn=60,
    )


def with_query(url, **changes):
    """The URL with some query parameters replaced, the others as they were."""
    parts = urlsplit(url)
    query = [(name, changes.get(name, value)) for name, value in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def query(url):
    return dict(parse_qsl(urlsplit(url).query))


def stored(s3, bucket, key):
    """The object's bytes, or None if there is none."""
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise


def put(url, body, content_type="image/jpeg"):
    return requests.put(url, data=body, headers={"Content-Type": content_type})


def test_without_credentials_nothing_is_stored(seaweedfs, s3):
    """The identities file is in force: no anonymous writes."""
    key = new_key()
    response = requests.put(f"{seaweedfs.endpoint_url}/{seaweedfs.bucket}/{key}", b"x")
    assert response.status_code == 403
    assert stored(s3, seaweedfs.bucket, key) is None


def test_a_presigned_put_binds_length_and_type_and_stores_the_bytes(seaweedfs, s3):
    key, body = new_key(), b"\xff\xd8 a small photo \xff\xd9"
    url = presigned_put(s3, seaweedfs.bucket, key, len(body))
    assert query(url)["X-Amz-SignedHeaders"] == "content-length;content-type;host"

    response = put(url, body)

    assert response.status_code == 200, response.text
    assert stored(s3, seaweedfs.bucket, key) == body
    head = s3.head_object(Bucket=seaweedfs.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == len(body)


def test_a_tampered_signature_is_refused(seaweedfs, s3):
    key, body = new_key(), b"photo bytes"
    url = presigned_put(s3, seaweedfs.bucket, key, len(body))
    signature = query(url)["X-Amz-Signature"]
    flipped = ("0" if signature[10] != "0" else "1").join(
        (signature[:10], signature[11:])
    )

    response = put(with_query(url, **{"X-Amz-Signature": flipped}), body)

    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text
    assert stored(s3, seaweedfs.bucket, key) is None


def signed_at(moment):
    """botocore signs as if the time were `moment` (naive UTC)."""
    return mock.patch("botocore.auth.get_current_datetime", return_value=moment)


def test_an_expired_url_is_refused(seaweedfs, s3):
    key, body = new_key(), b"photo bytes"
    ten_minutes_ago = datetime.datetime.now(datetime.UTC).replace(
        tzinfo=None
    ) - datetime.timedelta(minutes=10)
    with signed_at(ten_minutes_ago):
        expired = presigned_put(s3, seaweedfs.bucket, key, len(body), expires=60)
        still_valid = presigned_put(s3, seaweedfs.bucket, key, len(body), expires=3600)

    response = put(expired, body)
    assert response.status_code == 403
    assert "expired" in response.text.lower()
    assert stored(s3, seaweedfs.bucket, key) is None
    # Signed at the same moment, but for an hour: the date alone is no reason.
    assert put(still_valid, body).status_code == 200
    assert stored(s3, seaweedfs.bucket, key) == body


@pytest.mark.parametrize(
    "sent",
    [b"photo bytes plus one", b"photo bytes", b""],
    ids=["longer", "shorter", "empty"],
)
def test_a_body_of_another_length_than_signed_is_refused(seaweedfs, s3, sent):
    key, signed_body = new_key(), b"photo bytes plus"
    before = b"what was there before"
    s3.put_object(Bucket=seaweedfs.bucket, Key=key, Body=before)
    url = presigned_put(s3, seaweedfs.bucket, key, len(signed_body))

    response = put(url, sent)

    assert response.status_code == 403, response.text
    assert "SignatureDoesNotMatch" in response.text
    assert stored(s3, seaweedfs.bucket, key) == before


def test_another_content_type_than_signed_is_refused(seaweedfs, s3):
    key, body = new_key(), b"<svg onload=alert(1)>"
    url = presigned_put(s3, seaweedfs.bucket, key, len(body), content_type="image/jpeg")

    response = put(url, body, content_type="image/svg+xml")

    assert response.status_code == 403
    assert stored(s3, seaweedfs.bucket, key) is None


def test_an_unsigned_amz_header_is_refused(seaweedfs, s3):
    """Whoever holds the URL cannot add what was not signed, such as an ACL."""
    key, body = new_key(), b"photo bytes"
    url = presigned_put(s3, seaweedfs.bucket, key, len(body))

    response = requests.put(
        url,
        data=body,
        headers={"Content-Type": "image/jpeg", "x-amz-acl": "public-read"},
    )

    assert response.status_code == 403
    assert stored(s3, seaweedfs.bucket, key) is None


def test_a_body_that_does_not_match_its_signed_md5_is_refused(seaweedfs, s3):
    key, body = new_key(), b"photo bytes"
    md5 = base64.b64encode(hashlib.md5(b"other bytes").digest()).decode()
    url = s3.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": seaweedfs.bucket,
            "Key": key,
            "ContentLength": len(body),
            "ContentMD5": md5,
        },
        ExpiresIn=60,
    )
    assert query(url)["X-Amz-SignedHeaders"] == "content-length;content-md5;host"

    response = requests.put(url, data=body, headers={"Content-MD5": md5})

    assert response.status_code == 400
    assert "BadDigest" in response.text
    assert stored(s3, seaweedfs.bucket, key) is None


@pytest.fixture
def upload(seaweedfs, s3):
    """A new multipart upload: (key, upload id); aborted afterwards if left open."""
    key = new_key()
    upload_id = s3.create_multipart_upload(
        Bucket=seaweedfs.bucket, Key=key, ContentType="image/jpeg"
    )["UploadId"]
    yield key, upload_id
    try:
        s3.abort_multipart_upload(Bucket=seaweedfs.bucket, Key=key, UploadId=upload_id)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchUpload"


def parts(s3, bucket, key, upload_id):
    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    return [(part["PartNumber"], part["ETag"]) for part in listed.get("Parts", [])]


def test_multipart_through_presigned_part_urls(seaweedfs, s3, upload):
    key, upload_id = upload
    bucket = seaweedfs.bucket
    # Every part but the last needs 5 MiB (SeaweedFS checks it, as S3 does).
    bodies = [os.urandom(5 * MiB), b"the last part may be small"]
    etags = []
    for number, body in enumerate(bodies, start=1):
        url = presigned_part(s3, bucket, key, upload_id, number, len(body))
        assert query(url)["X-Amz-SignedHeaders"] == "content-length;host"
        response = requests.put(url, data=body)
        assert response.status_code == 200, response.text
        etags.append(response.headers["ETag"])

    assert parts(s3, bucket, key, upload_id) == [(1, etags[0]), (2, etags[1])]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [
                {"PartNumber": number, "ETag": etag}
                for number, etag in enumerate(etags, start=1)
            ]
        },
    )

    data = stored(s3, bucket, key)
    assert len(data) == sum(map(len, bodies))
    assert hashlib.sha256(data).digest() == hashlib.sha256(b"".join(bodies)).digest()


def test_a_first_part_under_5_mib_is_refused_at_completion(seaweedfs, s3, upload):
    key, upload_id = upload
    etags = [
        s3.upload_part(
            Bucket=seaweedfs.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=b"small part",
        )["ETag"]
        for number in (1, 2)
    ]
    with pytest.raises(ClientError) as refused:
        s3.complete_multipart_upload(
            Bucket=seaweedfs.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": number, "ETag": etag}
                    for number, etag in enumerate(etags, start=1)
                ]
            },
        )
    assert refused.value.response["Error"]["Code"] == "EntityTooSmall"
    assert stored(s3, seaweedfs.bucket, key) is None


def test_a_part_url_used_for_another_part_number_is_refused(seaweedfs, s3, upload):
    key, upload_id = upload
    body = b"part one"
    url = presigned_part(s3, seaweedfs.bucket, key, upload_id, 1, len(body))

    response = requests.put(with_query(url, partNumber="2"), data=body)

    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text
    assert parts(s3, seaweedfs.bucket, key, upload_id) == []


def test_a_part_url_used_for_another_upload_is_refused(seaweedfs, s3, upload):
    key, upload_id = upload
    other_id = s3.create_multipart_upload(Bucket=seaweedfs.bucket, Key=key)["UploadId"]
    try:
        body = b"part one"
        url = presigned_part(s3, seaweedfs.bucket, key, upload_id, 1, len(body))

        response = requests.put(with_query(url, uploadId=other_id), data=body)

        assert response.status_code == 403
        assert "SignatureDoesNotMatch" in response.text
        assert parts(s3, seaweedfs.bucket, key, other_id) == []
        assert parts(s3, seaweedfs.bucket, key, upload_id) == []
    finally:
        s3.abort_multipart_upload(Bucket=seaweedfs.bucket, Key=key, UploadId=other_id)


@pytest.fixture
def cors_bucket(seaweedfs, s3):
    """A bucket of its own (the shared one keeps no CORS rules): ORIGIN may
    PUT, GET and HEAD."""
    bucket = f"cors-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    set_bucket_cors(seaweedfs, ORIGIN, bucket=bucket)
    yield bucket
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


def preflight(seaweedfs, bucket, key, origin, method="PUT"):
    return requests.options(
        f"{seaweedfs.endpoint_url}/{bucket}/{key}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_cors_answers_the_allowed_origin_only(seaweedfs, s3, cors_bucket):
    key, body = new_key(), b"photo bytes"
    allowed = preflight(seaweedfs, cors_bucket, key, ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "PUT" in allowed.headers["Access-Control-Allow-Methods"]
    assert "content-type" in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert allowed.headers["Access-Control-Expose-Headers"] == "ETag"
    # A method outside the rule: SeaweedFS answers 200 (S3 would say 403) but
    # allows no method, so the browser refuses it all the same.
    delete = preflight(seaweedfs, cors_bucket, key, ORIGIN, method="DELETE")
    assert "DELETE" not in delete.headers.get("Access-Control-Allow-Methods", "")

    # The upload itself, as the browser sends it after the preflight: the page
    # may read its ETag (needed to complete a multipart upload).
    url = presigned_put(s3, cors_bucket, key, len(body))
    response = requests.put(
        url, data=body, headers={"Content-Type": "image/jpeg", "Origin": ORIGIN}
    )
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]

    refused = preflight(seaweedfs, cors_bucket, key, OTHER_ORIGIN)
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    # A simple request from that origin is served (CORS is the browser's
    # check) but without the header that would let the page read it.
    other = requests.get(
        s3.generate_presigned_url(
            "get_object", Params={"Bucket": cors_bucket, "Key": key}, ExpiresIn=60
        ),
        headers={"Origin": OTHER_ORIGIN},
    )
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_bucket_without_cors_rules_answers_no_origin(seaweedfs):
    """The gateway's fallback (-s3.allowedOrigins) matches no real origin, so a
    bucket without rules behaves as on S3, not as "*"."""
    response = preflight(seaweedfs, seaweedfs.bucket, new_key(), ORIGIN)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
