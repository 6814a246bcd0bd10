"""PartyShots benchmarks: each figure side by side with its limit, measured in the same run.

    .venv/bin/python bench/run.py            # the full run (a few minutes)
    .venv/bin/python bench/run.py --quick    # smaller and faster
    .venv/bin/python bench/run.py --only presign,album

Prints a table and writes bench/results/latest.json and latest.md. Absolute
times on a shared machine are noisy: the ratios, measured side by side in the
same run, are what count. Sets up its own environment (temporary SQLite
database, or a throwaway database on DATABASE_URL's server; in-memory, moto or
temporary-folder storage) and touches nothing else.
"""

import argparse
import contextlib
import datetime
import io
import json
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    return {"queries": count, "ms": seconds * 1e3, "last_page_ms": last * 1e3}


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
                f"django-storages signing {before['ms']:.1f} ms",
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
    """moto's ThreadedMotoServer (as the browser tests use) in a process of its
    own, as S3 is in production: the benchmark's GIL and memory stay its own."""
    port = free_port()
    code = (
        "import logging, sys; from moto.server import ThreadedMotoServer; "
        "logging.getLogger('werkzeug').setLevel(logging.WARNING); "
        f"server = ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False); "
        "server.start(); print('ready', flush=True); sys.stdin.read(); server.stop()"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("moto server did not start")
        yield f"http://127.0.0.1:{port}"
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
# 5. Load (gunicorn with the project's settings, loopback only)


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


def bench_load(workdir, db_url, quick):
    media = Path(workdir) / "load-media"
    static = Path(workdir) / "load-static"
    env = {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": db_url,
        "MEDIA_ROOT": str(media),
        "STATIC_ROOT": str(static),
    }
    for name in S3_ENV:
        env.pop(name, None)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    # An album with photos to show, made in this process on the same database.
    code = run_child("load-album", str(media), env=env)
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "partyshots.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        warm = HttpClient(port)
        for _ in range(20):
            status, body = warm.request("GET", f"/a/{code}/")
            if status != 200:
                server.terminate()
                raise RuntimeError(
                    f"album page answered {status}: {body[:500]!r}\n"
                    f"{server.stderr.read()[-3000:]!r}"
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
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    import multiprocessing

    return {
        "album_page": page,
        "upload": uploads,
        "workers": int(
            env.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8))
        ),
        "threads": int(env.get("GUNICORN_THREADS", 4)),
    }


def child_load_album(media_root):
    setup_django({"MEDIA_ROOT": media_root})
    album = make_album(500, name="load")
    return album.code


# ---------------------------------------------------------------------------
# The table


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
            f"Load: gunicorn ({load['workers']} gthread workers x {load['threads']} threads, "
            "gunicorn.conf.py) on loopback, local storage, album of 500 photos."
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
    return "\n".join(lines)


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


SECTIONS = ("ingest", "album", "presign", "zip", "load")


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
            if "album" in only or "presign" in only:
                print("Album page and pre-signed URLs...", flush=True)
                setup_django(S3_ENV)
                album, presign = bench_album_and_presign(args.quick)
                if "album" in only:
                    results["album"] = album
                if "presign" in only:
                    results["presign"] = presign
            if "zip" in only:
                print("Streamed ZIP...", flush=True)
                results["zip"] = bench_zip(workdir, args.quick)
            if "load" in only:
                print("Load...", flush=True)
                results["load"] = bench_load(workdir, db_url, args.quick)
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
