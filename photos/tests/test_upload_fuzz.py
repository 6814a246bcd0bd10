"""Fuzz the upload view (Hardening issue): the whole corpus in one sweep, then
hypothesis on random bytes, damaged images and odd filenames, through the view
(~850 examples) and straight into the image checks (5,000). Whatever comes
in: never a 5xx, never a row without its objects nor an object without a row."""

import io
import os
import time
import unicodedata

from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name
from django.test import SimpleTestCase
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from albums.tests.base import BaseTestCase, stored_keys
from core import storage
from photos import images
from photos.ingest import FILENAME_MAX_LENGTH
from photos.models import Photo
from photos.tests.helpers import (
    CORPUS,
    ROWS,
    corpus_bytes,
    has_gps,
    upload,
    verdict_ok,
)

UPLOAD_SECONDS = 5
EXPECTED = {row["path"]: row["expected"] for row in ROWS}
SMALL_IMAGES = [
    corpus_bytes(path)
    for path in (
        "formats/hopper.png",
        "formats/hopper_lossy.webp",
        "real_photos/canon_40d.jpg",
        "formats/hopper.heif",
    )
]


def referenced_keys():
    return sorted(key for photo in Photo.objects.all() for key in photo.storage_keys)


class CorpusSweepTests(BaseTestCase):
    def test_every_corpus_file_keeps_rows_and_storage_in_step(self):
        paths = sorted(
            p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()
        )
        paths = [
            p for p in paths if p not in ("manifest.csv", "README.md", "SOURCES.md")
        ]
        server_errors, orphans, slow, wrong = [], [], [], []
        accepted = 0
        for path in paths:
            name = path.rsplit("/", 1)[-1]
            started = time.monotonic()
            response = upload(self.client, self.album, name, corpus_bytes(path))
            seconds = time.monotonic() - started
            cache.clear()  # the sweep is one client: stay under the upload rate limit
            if response.status_code >= 500:
                server_errors.append((path, response.status_code))
                continue
            result = response.json()["results"][0]
            if response.status_code in (200, 201):
                accepted += response.status_code == 201
                verdict = "accept"
            else:
                verdict = "reject"
                if response.status_code != 400 or not result["message"].startswith(
                    f"{name}: "
                ):
                    wrong.append((path, response.status_code, result["message"]))
            if path in EXPECTED and not verdict_ok(path, verdict, result["message"]):
                wrong.append((path, response.status_code, result["message"]))
            if seconds >= UPLOAD_SECONDS:
                slow.append((path, round(seconds, 1)))
            rows = Photo.objects.count()
            stray = sorted(set(stored_keys()) ^ set(referenced_keys()))
            if rows != accepted or stray:
                orphans.append((path, rows, accepted, stray))
        figures = (
            f"{len(paths)} files, {len(server_errors)} 5xx, {len(orphans)} orphan states, "
            f"{len(slow)} over {UPLOAD_SECONDS}s, {len(wrong)} wrong verdicts"
        )
        self.assertEqual(server_errors, [], figures)
        self.assertEqual(orphans, [], figures)
        self.assertEqual(slow, [], figures)
        self.assertEqual(wrong, [], figures)
        self.assertGreater(accepted, 0, figures)


def truncations():
    return st.sampled_from(SMALL_IMAGES).flatmap(
        lambda data: st.integers(0, len(data) - 1).map(lambda length: data[:length])
    )


def bit_flips():
    def flip(data, positions):
        data = bytearray(data)
        for position, bit in positions:
            data[position % len(data)] ^= 1 << bit
        return bytes(data)

    return st.builds(
        flip,
        st.sampled_from(SMALL_IMAGES),
        st.lists(
            st.tuples(st.integers(0, 2**20), st.integers(0, 7)), min_size=1, max_size=8
        ),
    )


odd_names = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(codec="utf-8"), min_size=200, max_size=600),
    st.lists(
        st.sampled_from(
            [
                "/",
                "\\",
                "..",
                ".",
                "\x00",
                "\x01",
                "\x1f",
                "\x7f",
                "\u202e",
                "\u200f",
                "\u05d0",
                "é",
                "📷",
                "photo",
                ".jpg",
                " ",
                "\n",
                "\t",
                "C:",
                "~",
            ]
        ),
        max_size=40,
    ).map("".join),
    st.sampled_from(
        [
            "",
            ".",
            "..",
            "...",
            "/",
            "\\",
            "../../etc/passwd",
            "..\\..\\boot.ini",
            "a\x00.jpg",
        ]
    ),
)

# FUZZ_SCALE=10 runs ten times the examples (a longer sweep than CI's few minutes allow).
FUZZ_SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz(max_examples):
    return settings(
        max_examples=max(1, int(max_examples * FUZZ_SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


class UploadPropertyTests(HypothesisTestCase, BaseTestCase):
    """Each example runs in its own transaction (hypothesis.extra.django)."""

    # Set while an example runs: one that failed part-way may have left objects
    # (its rows were rolled back). One that finishes has checked the bucket is empty.
    left_objects = False

    def assertCleanName(self, name):
        self.assertTrue(name)
        self.assertNotIn("/", name)
        self.assertNotIn("\\", name)
        self.assertFalse(
            [ch for ch in name if unicodedata.category(ch)[0] == "C"], repr(name)
        )
        self.assertLessEqual(len(name), FILENAME_MAX_LENGTH)

    def check_upload(self, name, data):
        try:
            validate_file_name(name)
        except SuspiciousFileOperation:
            assume(
                False
            )  # Django's test client can't send it ("", ".", "..", "a/.."): not an upload input
        cache.clear()
        if self.left_objects:  # after a failed example: start empty
            storage.delete(stored_keys())
        self.left_objects = True
        response = upload(self.client, self.album, name, data)
        self.assertIn(response.status_code, (200, 201, 400), response.content[:300])
        body = response.json()
        if not body[
            "results"
        ]:  # a name Django reads as "no file" (empty, control characters only)
            self.assertEqual(response.status_code, 400)
            self.assertTrue(body["error"])
            self.assertFalse(Photo.objects.exists())
            self.assertEqual(stored_keys(), [])
            self.left_objects = False
            return
        (result,) = body["results"]
        self.assertTrue(result["message"])
        shown = result["file"]
        self.assertCleanName(shown)
        if response.status_code == 400:
            self.assertTrue(
                result["message"].startswith(f"{shown}: "), result["message"]
            )
            self.assertFalse(Photo.objects.exists())
            self.assertEqual(stored_keys(), [])
        else:
            photo = Photo.objects.get()
            self.assertEqual(photo.filename, shown)
            self.assertEqual(stored_keys(), sorted(photo.storage_keys))
            with self.captureOnCommitCallbacks(execute=True):
                Photo.objects.all().delete()  # the files go on commit
            self.assertEqual(stored_keys(), [])
        self.left_objects = False

    @fuzz(400)
    @given(st.binary(max_size=4096))
    def test_random_bytes(self, data):
        self.check_upload("random.jpg", data)

    @fuzz(150)
    @given(truncations())
    def test_truncated_images(self, data):
        self.check_upload("truncated.jpg", data)

    @fuzz(100)
    @given(bit_flips())
    def test_bit_flipped_images(self, data):
        self.check_upload("flipped.png", data)

    @fuzz(200)
    @given(odd_names, st.sampled_from([SMALL_IMAGES[0], b"not an image"]))
    def test_odd_filenames(self, name, data):
        self.check_upload(name, data)


class ProcessPropertyTests(SimpleTestCase):
    """The same inputs, thousands of them, straight into the image checks the
    upload view relies on (no HTTP, no database: fast enough for CI)."""

    def check_process(self, data):
        try:
            rendered = images.process(io.BytesIO(data), "fuzz")
        except images.RejectedImage as exc:
            self.assertTrue(str(exc))
            return
        self.assertIn(rendered.format, images.ALLOWED_FORMATS)
        self.assertTrue(
            rendered.thumbnail.startswith(b"\xff\xd8")
            and rendered.display.startswith(b"\xff\xd8")
        )
        if rendered.format == "JPEG":
            # What Photo.objects.add does for a JPEG with a location.
            try:
                stripped = images.jpeg_without_metadata(data, rendered.orientation)
            except (ValueError, IndexError):
                return  # refused with UNSTRIPPABLE_LOCATION
            self.assertFalse(has_gps(stripped))

    @fuzz(3000)
    @given(st.binary(max_size=2048))
    def test_random_bytes(self, data):
        self.check_process(data)

    @fuzz(1000)
    @given(truncations())
    def test_truncated_images(self, data):
        self.check_process(data)

    @fuzz(1000)
    @given(bit_flips())
    def test_bit_flipped_images(self, data):
        self.check_process(data)
