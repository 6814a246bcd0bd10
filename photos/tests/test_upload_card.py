"""The upload card's server side (issue 17): refusals a guest of any age
understands, with the detail kept in brackets, and the guest's name given
after the first files are chosen (POST /a/<code>/guest-name/)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from albums.models import Album
from albums.tests.base import AlbumTestCase, make_image_bytes, store_photo
from photos import direct_uploads, images, ingest, videos
from photos.images import formats
from photos.models import Photo, Upload
from photos.tests.direct_helpers import post_json, start
from photos.tests.helpers import corpus_bytes, upload
from photos.views import SESSION_GUEST_NAME


class RefusalWordingTests(SimpleTestCase):
    """The examples the issue asks for, word for word."""

    def test_too_many_pixels(self):
        with override_settings(PHOTO_MAX_PIXELS=50_000_000):
            self.assertEqual(
                formats.too_many_pixels_message(pixels=930_000_000),
                "This photo is too large to add (930 megapixels; the most is 50).",
            )

    def test_not_a_photo_or_video_says_what_it_is_and_what_we_take(self):
        message = formats.not_taken_message(filename="invitation.pdf")
        self.assertEqual(
            message,
            "This file isn't a photo or video we can add (it's a PDF). We take "
            "photos in JPEG, PNG, GIF, WebP, HEIC/HEIF, AVIF or TIFF and videos in "
            "MP4, MOV or WebM.",
        )
        self.assertIn("(it's an SVG)", formats.not_taken_message("SVG"))
        self.assertTrue(
            formats.not_taken_message().startswith(
                "This file isn't a photo or video we can add. We take"
            )
        )

    @override_settings(VIDEO_MAX_SECONDS=180)
    def test_a_video_too_long(self):
        with self.assertRaisesMessage(
            videos.RejectedVideo,
            "This video is too long to add (10:00:00; the most is 3:00).",
        ):
            videos._check_length(36_000)

    def test_a_damaged_photo(self):
        with self.assertRaisesMessage(
            images.RejectedImage,
            "This photo seems damaged or only partly sent. Please try again.",
        ):
            images.process(io.BytesIO(corpus_bytes("hostile/truncated_half.jpg")))

    def test_sizes(self):
        self.assertEqual(
            ingest.size_refusal(930 * 1024 * 1024, is_video=True),
            "This video is too large to add (930 MB; the most is 500 MB).",
        )
        self.assertEqual(
            ingest.size_refusal(41 * 1024 * 1024, is_video=False),
            "This photo is too large to add (41 MB; the most is 40 MB).",
        )


class RefusalsInPlainWordsTests(AlbumTestCase):
    """Every refusal a guest can meet is a sentence that starts by saying what
    is wrong with "this photo", "this video", "this file" or "this album",
    after the file's name."""

    def test_upload_refusals_are_plain_sentences_after_the_name(self):
        cases = [
            ("script.svg", corpus_bytes("hostile/script.svg")),
            ("text.jpg", corpus_bytes("hostile/text_renamed.jpg")),
            ("half.jpg", corpus_bytes("hostile/truncated_half.jpg")),
            ("bomb.png", corpus_bytes("hostile/bomb_png_30000x30000.png")),
            ("empty.jpg", b""),
        ]
        for name, data in cases:
            with self.subTest(name):
                response = upload(self.client, self.album, name, data)
                message = response.json()["results"][0]["message"]
                self.assertTrue(message.startswith(f"{name}: This "), message)
                self.assertTrue(message.endswith("."), message)
                # No jargon first: the detail comes after the plain words.
                plain = message.split("(")[0]
                for jargon in ("megapixel", "truncated", "MIME", "HTTP"):
                    self.assertNotIn(jargon, plain, message)

    def test_the_no_javascript_results_page_names_the_file_once(self):
        response = self.client.post(
            reverse("upload", args=[self.album.code]),
            {
                "photos": SimpleUploadedFile(
                    "bad.svg", corpus_bytes("hostile/script.svg")
                )
            },
        )
        page = response.content.decode()
        self.assertEqual(page.count("bad.svg"), 1, page)
        self.assertIn("This file isn&#x27;t a photo or video we can add", page)

    def test_a_direct_upload_of_a_pdf_names_what_it_is(self):
        response = start(self.client, self.album, "menu.pdf", 5000, "application/pdf")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["error"],
            f"menu.pdf: {formats.not_taken_message('PDF')}",
        )

    def test_a_file_that_arrived_short_is_refused_in_plain_words(self):
        response = start(self.client, self.album, "a.jpg", 5000)
        upload_row = Upload.objects.get(token=response.json()["token"])
        direct_uploads.reject(upload_row, "This file didn't arrive as it was sent.")
        status = self.client.get(response.json()["status_url"]).json()
        self.assertEqual(
            status["message"], "a.jpg: This file didn't arrive as it was sent."
        )


class GuestNameTests(AlbumTestCase):
    """The card asks a guest's name once, after the first files are chosen,
    while they already upload: the name goes to those started without it."""

    def setUp(self):
        super().setUp()
        self.client.get(self.album.get_absolute_url())  # the guest cookie
        self.url = reverse("upload_guest_name", args=[self.album.code])

    def name(self, value, client=None):
        return post_json(client or self.client, self.url, {"guest_name": value})

    def test_it_names_this_guests_unnamed_uploads_and_photos_in_this_album(self):
        # Two files went before the name was typed: one is in, one on its way.
        upload(self.client, self.album, "early.jpg", make_image_bytes(color=(1, 1, 1)))
        started = start(self.client, self.album, "coming.jpg", 5000).json()
        # Another guest's photo, and one of this guest's in another album.
        other = self.client_class()
        other.get(self.album.get_absolute_url())
        upload(other, self.album, "theirs.jpg", make_image_bytes(color=(2, 2, 2)))
        elsewhere = Album.objects.create(name="Other party", user=self.alice)
        self.client.get(elsewhere.get_absolute_url())
        upload(self.client, elsewhere, "there.jpg", make_image_bytes(color=(3, 3, 3)))

        response = self.name("  Dana ")
        self.assertEqual(response.json(), {"guest_name": "Dana"})
        self.assertEqual(self.client.session[SESSION_GUEST_NAME], "Dana")
        names = dict(Photo.objects.values_list("filename", "guest_name"))
        self.assertEqual(
            names, {"early.jpg": "Dana", "theirs.jpg": "", "there.jpg": ""}
        )
        coming = Upload.objects.get(token=started["token"])
        self.assertEqual(coming.guest_name, "Dana")
        # The next upload is named from the session.
        upload(self.client, self.album, "later.jpg", make_image_bytes(color=(4, 4, 4)))
        self.assertEqual(Photo.objects.get(filename="later.jpg").guest_name, "Dana")

    def test_a_new_name_leaves_photos_named_before_alone(self):
        self.name("Dana")
        upload(self.client, self.album, "dana.jpg", make_image_bytes(color=(5, 5, 5)))
        self.name("Alex")
        self.assertEqual(Photo.objects.get(filename="dana.jpg").guest_name, "Dana")
        self.assertEqual(self.client.session[SESSION_GUEST_NAME], "Alex")

    def test_an_empty_name_forgets_it(self):
        self.name("Dana")
        self.assertEqual(self.name("").json(), {"guest_name": ""})
        self.assertNotIn(SESSION_GUEST_NAME, self.client.session)

    def test_too_long_or_logged_in_is_refused(self):
        self.assertEqual(self.name("x" * 61).status_code, 400)
        self.client.force_login(self.bob)
        self.assertEqual(self.name("Bob").status_code, 400)
        store_photo(self.album, user=self.bob)
        self.assertFalse(Photo.objects.filter(guest_name="Bob").exists())

    def test_a_wrong_code_is_404(self):
        response = post_json(
            self.client, "/a/NOSUCH00/guest-name/", {"guest_name": "D"}
        )
        self.assertEqual(response.status_code, 404)
