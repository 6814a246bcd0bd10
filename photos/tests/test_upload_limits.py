"""The upload view's limits: uploads per client and per album (rate limits),
photos and bytes per album and photos per guest session (quotas). Refused
with a clear message and a 4xx; nothing is stored."""

import threading
import time
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from albums.models import Album
from albums.tests.base import AlbumTestCase, bulk_photos, make_image_bytes, stored_keys
from albums.tests.races import in_thread, needs_row_locks
from core.tests.test_ratelimit import hanging_redis
from core.tests.test_storage import SilentServer
from photos import images, ingest
from photos.models import Photo
from photos.tests.helpers import JSON, upload
from photos.views import _outcome_status


def limits(**overrides):
    return override_settings(
        RATE_LIMITS={
            **settings.RATE_LIMITS,
            **{name.replace("_", "-"): rate for name, rate in overrides.items()},
        }
    )


def image(number):
    return make_image_bytes(color=(40 * number % 256, 90, 30))


class UploadRateLimitTests(AlbumTestCase):
    @limits(upload_client=(2, 3600))
    def test_uploads_are_limited_per_client(self):
        for number in range(2):
            self.assertEqual(
                upload(
                    self.client, self.album, f"{number}.jpg", image(number)
                ).status_code,
                201,
            )
        keys = stored_keys()
        response = upload(self.client, self.album, "2.jpg", image(2))
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many uploads from your connection", response.json()["error"])
        self.assertIn("Retry-After", response)
        self.assertEqual((Photo.objects.count(), stored_keys()), (2, keys))
        other = self.client_class(REMOTE_ADDR="192.0.2.3")
        self.assertEqual(upload(other, self.album, "2.jpg", image(2)).status_code, 201)

    @limits(upload_album=(2, 3600))
    def test_uploads_are_limited_per_album_from_everyone(self):
        for number in range(2):
            client = self.client_class(REMOTE_ADDR=f"192.0.2.{number}")
            self.assertEqual(
                upload(client, self.album, f"{number}.jpg", image(number)).status_code,
                201,
            )
        late = self.client_class(REMOTE_ADDR="192.0.2.9")
        response = late.post(
            reverse("upload", args=[self.album.code]),
            {"photos": SimpleUploadedFile("2.jpg", image(2))},
        )
        self.assertContains(
            response, "Too many uploads to this album just now", status_code=429
        )
        self.assertEqual(Photo.objects.count(), 2)

    @limits(upload_client=(2, 3600))
    def test_every_file_of_a_post_counts(self):
        files = [SimpleUploadedFile(f"{n}.jpg", image(n)) for n in range(3)]
        response = self.client.post(
            reverse("upload", args=[self.album.code]), {"photos": files}, **JSON
        )
        self.assertEqual(response.status_code, 429)
        self.assertEqual((Photo.objects.count(), stored_keys()), (0, []))


class CacheHangsTests(AlbumTestCase):
    """A Redis that hangs (accepts, never answers) costs an upload request one
    timeout of the cache (1 s), not one per limit per file: 20 photos took 41 s."""

    def post(self, count):
        files = [SimpleUploadedFile(f"{n}.jpg", image(n)) for n in range(count)]
        started = time.monotonic()
        response = self.client.post(
            reverse("upload", args=[self.album.code]), {"photos": files}, **JSON
        )
        return response, time.monotonic() - started

    def test_twenty_photos_in_one_post_wait_for_the_cache_once(self):
        # The guest opened the album (its code needs no lookup limit then).
        self.client.get(self.album.get_absolute_url())
        _response, baseline = self.post(20)  # the same work with the cache up
        Photo.objects.all().delete()
        server = SilentServer()
        self.addCleanup(server.close)
        with (
            override_settings(CACHES=hanging_redis(server.port)),
            self.assertLogs("core.ratelimit", "WARNING"),
        ):
            response, seconds = self.post(20)
            self.assertEqual(response.status_code, 201)
            self.assertEqual(Photo.objects.count(), 20)
            # One file per request, as the page sends them: one wait each.
            single, one = self.post(1)
        self.assertLess(seconds, baseline + 2.5)
        self.assertEqual(single.status_code, 200)  # 0.jpg again: a duplicate
        self.assertLess(one, 2)


class AlbumQuotaTests(AlbumTestCase):
    @override_settings(ALBUM_MAX_PHOTOS=3)
    def test_a_full_album_refuses_more_photos(self):
        bulk_photos(self.album, 3)
        response = upload(self.client, self.album, "late.jpg", image(1))
        self.assertEqual(response.status_code, 403)
        (result,) = response.json()["results"]
        self.assertEqual(result["status"], "rejected")
        self.assertEqual(
            result["message"],
            "late.jpg: This album is full, so nothing more can be added (the most is "
            "3 photos and videos).",
        )
        self.assertEqual((Photo.objects.count(), stored_keys()), (3, []))

    @override_settings(ALBUM_MAX_PHOTOS=2)
    def test_a_post_of_many_files_fills_the_album_then_stops(self):
        files = [SimpleUploadedFile(f"{n}.jpg", image(n)) for n in range(3)]
        response = self.client.post(
            reverse("upload", args=[self.album.code]), {"photos": files}
        )
        # The results page: the name in bold, then the reason.
        self.assertContains(
            response,
            "<strong>2.jpg</strong>: This album is full, so nothing more can be "
            "added (the most is 2 photos and videos).",
            status_code=403,
        )
        photos = list(Photo.objects.all())
        self.assertEqual(sorted(p.filename for p in photos), ["0.jpg", "1.jpg"])
        self.assertEqual(
            stored_keys(), sorted(key for p in photos for key in p.storage_keys)
        )

    @override_settings(ALBUM_MAX_BYTES=1024**3)
    def test_an_album_holds_so_many_bytes(self):
        data = image(1)
        bulk_photos(self.album, 1, size=1024**3 - len(data) + 1)
        response = upload(self.client, self.album, "big.jpg", data)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(
            response.json()["results"][0]["message"],
            "big.jpg: This album is full, so nothing more can be added (the most is "
            "1 GB of photos and videos).",
        )
        self.assertEqual((Photo.objects.count(), stored_keys()), (1, []))
        Photo.objects.update(size=1024**3 - len(data))
        self.assertEqual(
            upload(self.client, self.album, "big.jpg", data).status_code, 201
        )

    @override_settings(ALBUM_MAX_PHOTOS=1)
    def test_a_duplicate_in_a_full_album_is_still_just_a_duplicate(self):
        data = image(1)
        upload(self.client, self.album, "a.jpg", data)
        response = upload(self.client, self.album, "again.jpg", data)
        self.assertEqual(
            (response.status_code, response.json()["results"][0]["status"]),
            (200, "duplicate"),
        )

    @override_settings(ALBUM_MAX_PHOTOS=1)
    def test_the_import_command_is_held_to_the_quota_too(self):
        bulk_photos(self.album, 1)
        result = ingest.add(self.album, SimpleUploadedFile("a.jpg", image(1)))
        self.assertEqual((result.status, _outcome_status(result)), ("rejected", 403))
        self.assertIn("This album is full", result.message)


@override_settings(GUEST_SESSION_MAX_PHOTOS=2)
class GuestQuotaTests(AlbumTestCase):
    def test_one_guest_session_adds_so_many_photos(self):
        for number in range(2):
            self.assertEqual(
                upload(
                    self.client, self.album, f"{number}.jpg", image(number)
                ).status_code,
                201,
            )
        keys = stored_keys()
        response = upload(self.client, self.album, "2.jpg", image(2))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            response.json()["results"][0]["message"],
            "2.jpg: You have added 2 photos and videos as a guest, the most one "
            "guest may add. "
            "Log in to add more.",
        )
        self.assertEqual(stored_keys(), keys)
        # Another guest, and the same person logged in, may go on.
        self.assertEqual(
            upload(self.client_class(), self.album, "2.jpg", image(2)).status_code, 201
        )
        self.client.force_login(self.bob)
        self.assertEqual(
            upload(self.client, self.album, "3.jpg", image(3)).status_code, 201
        )

    def test_photos_the_guest_deleted_no_longer_count(self):
        for number in range(2):
            upload(self.client, self.album, f"{number}.jpg", image(number))
        Photo.objects.first().delete()
        self.assertEqual(
            upload(self.client, self.album, "2.jpg", image(2)).status_code, 201
        )


@needs_row_locks
class ParallelQuotaTests(TransactionTestCase):
    """Uploads sent at the same moment each pass the first quota check (before
    the costly work); the one under the album's row lock, just before the
    insert, holds the quota exactly. Real threads, each with its own
    database connection."""

    def setUp(self):
        host = User.objects.create_user("host")
        self.album = Album.objects.create(name="Party", user=host)
        self.url = reverse("upload", args=[self.album.code])

    def upload_at_once(self, clients):
        """Each client posts one photo at the same moment; all of them are
        past the first checks before any adds its row. Their answers."""
        together = threading.Barrier(len(clients))
        real_process = images.process

        def process_together(*args, **kwargs):
            rendered = real_process(*args, **kwargs)
            together.wait(timeout=30)
            return rendered

        def post(client, number):
            return client.post(
                self.url,
                {"photos": SimpleUploadedFile(f"{number}.jpg", image(number))},
                **JSON,
            )

        with mock.patch.object(images, "process", process_together):
            running = [
                in_thread(post, client, number) for number, client in enumerate(clients)
            ]
            for thread, _result in running:
                thread.join(timeout=60)
        for _thread, result in running:
            if "error" in result:
                raise result["error"]
        return [result["value"] for _thread, result in running]

    @override_settings(ALBUM_MAX_PHOTOS=5)
    def test_eight_at_once_into_an_album_capped_at_five_add_five(self):
        clients = []
        for number in range(8):
            client = self.client_class(REMOTE_ADDR=f"192.0.2.{number}")
            client.get(self.album.get_absolute_url())
            clients.append(client)
        responses = self.upload_at_once(clients)
        self.assertEqual(
            sorted(response.status_code for response in responses),
            [201] * 5 + [403] * 3,
        )
        self.assertEqual(self.album.photos.count(), 5)
        refused = [r.json()["results"][0] for r in responses if r.status_code == 403]
        self.assertTrue(
            all(
                "This album is full, so nothing more can be added (the most is 5 "
                "photos and videos)." in result["message"]
                for result in refused
            )
        )
        # Their files went at once: only the five photos' objects are left.
        self.assertEqual(
            stored_keys(),
            sorted(
                key for photo in self.album.photos.all() for key in photo.storage_keys
            ),
        )

    @override_settings(GUEST_SESSION_MAX_PHOTOS=3)
    def test_five_at_once_from_a_guest_capped_at_three_add_three(self):
        page = self.client.get(self.album.get_absolute_url())
        clients = []
        for _number in range(5):
            client = self.client_class()
            client.cookies = page.cookies  # one phone: one session, one guest cookie
            clients.append(client)
        responses = self.upload_at_once(clients)
        self.assertEqual(
            sorted(response.status_code for response in responses),
            [201] * 3 + [403] * 2,
        )
        self.assertEqual(self.album.photos.count(), 3)
        self.assertEqual(
            len(set(self.album.photos.values_list("guest_key", flat=True))), 1
        )


class PassedOnHandler(FileUploadHandler):
    """Records how many bytes of each file reach the handlers after the size limit."""

    received = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received.append(0)

    def receive_data_chunk(self, raw_data, start):
        self.received[-1] += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


@override_settings(
    PHOTO_MAX_BYTES=1024 * 1024,
    FILE_UPLOAD_HANDLERS=[
        "photos.uploads.SizeLimitUploadHandler",
        f"{__name__}.PassedOnHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ],
)
class UploadSizeLimitTests(AlbumTestCase):
    def setUp(self):
        PassedOnHandler.received = []

    def test_bytes_past_the_limit_are_never_passed_on_but_the_true_size_is_told(self):
        data = b"\xff\xd8" + b"\0" * (3 * settings.PHOTO_MAX_BYTES)
        response = upload(self.client, self.album, "huge.jpg", data)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["results"][0]["message"],
            "huge.jpg: This photo is too large to add (3.0 MB; the most is 1 MB).",
        )
        (passed_on,) = PassedOnHandler.received
        self.assertLessEqual(passed_on, settings.PHOTO_MAX_BYTES)
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(stored_keys(), [])

    def test_a_file_within_the_limit_is_passed_on_whole(self):
        data = image(1)
        self.assertEqual(
            upload(self.client, self.album, "small.jpg", data).status_code, 201
        )
        self.assertEqual(PassedOnHandler.received, [len(data)])
