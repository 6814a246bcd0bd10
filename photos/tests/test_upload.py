import datetime
import hashlib
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image, ImageCms, ImageStat

from albums.models import Album
from albums.tests.base import BaseTestCase, make_image_bytes, stored_keys
from photos import guests, images
from photos.models import Photo
from photos.tests.helpers import (
    DECODE_BUDGET,
    DECODE_BUDGET_MESSAGE,
    JSON,
    ROWS,
    assert_no_metadata,
    corpus_bytes,
    guest_token,
    has_gps,
    jpeg_markers,
    open_image,
    read_object,
    upload,
)
from photos.views import SESSION_GUEST_NAME

SLOW = {"hostile/under_limit_zeros_7071x7071.png", "formats/iphone_xr_rotated.heic"}


@pytest.mark.parametrize("row", ROWS, ids=[row["path"] for row in ROWS])
def test_corpus_verdict(client, album, row):
    name = row["path"].rsplit("/", 1)[-1]
    response = upload(client, album, name, corpus_bytes(row["path"]))
    (result,) = response.json()["results"]
    if row["path"] in DECODE_BUDGET and response.status_code == 400:
        assert DECODE_BUDGET_MESSAGE in result["message"], result
        assert not Photo.objects.exists()
        assert stored_keys() == []
        return
    if row["expected"] == "reject":
        assert response.status_code == 400, result
        assert result["status"] == "rejected"
        assert result["message"].startswith(f"{name}: ")
        assert not Photo.objects.exists()
        assert stored_keys() == []
        return
    assert response.status_code == 201, result
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (
        int(row["display_width"]),
        int(row["display_height"]),
    )
    for key in (photo.tlink, photo.display_link):
        rendition = read_object(key)
        assert_no_metadata(rendition)
        with open_image(rendition) as im:
            width, height = im.size
            assert max(width, height) <= (512 if key == photo.tlink else 2048)
            # The same shape as the oriented original, within rounding.
            assert abs(width * photo.height / photo.width - height) <= 1, (
                im.size,
                photo.width,
                photo.height,
            )
    assert read_object(photo.link) == corpus_bytes(row["path"])
    assert sorted(stored_keys()) == sorted(photo.storage_keys)


class UploadTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("upload", args=[self.album.code])

    def test_adds_photo_with_random_keys_and_sets_cover(self):
        self.client.force_login(self.bob)
        response = upload(
            self.client, self.album, "../../etc/My\x00 Photo.JPG", make_image_bytes()
        )
        self.assertEqual(response.status_code, 201)
        result = response.json()["results"][0]
        photo = Photo.objects.get()
        self.assertEqual(result["status"], "added")
        self.assertEqual(result["photo"]["id"], photo.pk)
        self.assertEqual(photo.user, self.bob)
        self.assertEqual(photo.filename, "My Photo.JPG")
        self.assertRegex(photo.link, rf"^albums/{self.album.pk}/[0-9a-f]{{32}}\.jpg$")
        self.assertEqual(photo.content_type, "image/jpeg")
        self.assertEqual(len(photo.sha256), 64)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, photo)
        self.assertEqual(stored_keys(), sorted(photo.storage_keys))

    def test_duplicate_is_not_stored_again(self):
        data = make_image_bytes()
        upload(self.client, self.album, "a.jpg", data)
        keys = stored_keys()
        response = upload(self.client, self.album, "copy.jpg", data)
        self.assertEqual(response.status_code, 200)
        result = response.json()["results"][0]
        self.assertEqual(
            (result["status"], result["message"]), ("duplicate", "already in the album")
        )
        self.assertEqual(Photo.objects.count(), 1)
        self.assertEqual(stored_keys(), keys)

    def test_a_duplicate_of_a_hidden_photo_tells_nothing_more_of_it(self):
        data = make_image_bytes()
        self.client.force_login(self.bob)
        upload(self.client, self.album, "bob.jpg", data)
        photo = Photo.objects.get()
        Photo.objects.filter(pk=photo.pk).update(hidden=True)
        for user in (None, self.charlie):  # a guest, a follower
            with self.subTest(user=user):
                self.login_as(user)
                response = upload(self.client, self.album, "copy.jpg", data)
                self.assertEqual(response.status_code, 200)
                (result,) = response.json()["results"]
                self.assertEqual(
                    (result["status"], result["photo"]), ("duplicate", None)
                )
                page = self.client.post(
                    reverse("upload", args=[self.album.code]),
                    {"photos": SimpleUploadedFile("copy.jpg", data)},
                )
                self.assertContains(page, "already in the album")
                for secret in (photo.tlink, photo.viewer_url()):
                    self.assertNotIn(secret, response.content.decode())
                    self.assertNotIn(secret, page.content.decode())
        # Its uploader and the album's owner, who see it, get it as before.
        for user in (self.bob, self.alice):
            with self.subTest(user=user):
                self.login_as(user)
                (result,) = upload(self.client, self.album, "copy.jpg", data).json()[
                    "results"
                ]
                self.assertEqual(result["photo"]["id"], photo.pk)
        self.assertEqual(Photo.objects.count(), 1)

    def test_trailing_dots_and_spaces_are_dropped_from_the_name_shown_and_kept(self):
        names = [
            ("party.jpg . ", "party.jpg"),
            (" .hidden.jpg", "hidden.jpg"),
            ("0 .", "0"),
        ]
        for red, (sent, kept) in enumerate(names):
            with self.subTest(sent=sent):
                response = upload(
                    self.client,
                    self.album,
                    sent,
                    make_image_bytes(color=(60 * red, 0, 0)),
                )
                self.assertEqual(response.status_code, 201)
                self.assertEqual(response.json()["results"][0]["file"], kept)
                self.assertEqual(
                    Photo.objects.get(
                        pk=response.json()["results"][0]["photo"]["id"]
                    ).filename,
                    kept,
                )

    def test_same_file_in_another_album_is_added(self):
        other = Album.objects.create(name="Other", user=self.bob)
        data = make_image_bytes()
        upload(self.client, self.album, "a.jpg", data)
        self.assertEqual(upload(self.client, other, "a.jpg", data).status_code, 201)

    def test_orientation_sets_width_and_height_and_rendition_shape(self):
        for orientation in range(1, 9):
            with self.subTest(orientation=orientation):
                name = f"Landscape_{orientation}.jpg"
                response = upload(
                    self.client, self.album, name, corpus_bytes(f"orientation/{name}")
                )
                self.assertEqual(response.status_code, 201)
                photo = Photo.objects.get(filename=name)
                self.assertEqual((photo.width, photo.height), (1800, 1200))
                with open_image(read_object(photo.display_link)) as im:
                    self.assertEqual(im.size, (1800, 1200))
                with open_image(read_object(photo.tlink)) as im:
                    self.assertEqual(im.size, (512, 341))

    def test_display_never_upscaled_and_big_photo_shrunk(self):
        # 4032x3024 decodes at 1/2 scale to 2016x1512: within 1920-2048, so no further resize.
        upload(
            self.client,
            self.album,
            "big.jpg",
            corpus_bytes("real_photos/samsung_sm-g965w.jpg"),
        )
        photo = Photo.objects.get()
        with open_image(read_object(photo.display_link)) as im:
            self.assertEqual(im.size, (2016, 1512))
            self.assertEqual(im.info.get("progressive"), 1)
        # 3000x2250 at 1/2 would be 1500 wide: decoded in full and resized to fit 2048.
        with open_image(corpus_bytes("real_photos/samsung_sm-g965w.jpg")) as im:
            out = io.BytesIO()
            im.resize((3000, 2250)).save(out, "JPEG", quality=90)
        upload(self.client, self.album, "medium.jpg", out.getvalue())
        with open_image(
            read_object(Photo.objects.get(filename="medium.jpg").display_link)
        ) as im:
            self.assertEqual(im.size, (2048, 1536))

    def test_small_srgb_jpeg_is_its_own_display_image_without_metadata(self):
        from photos.images import jpeg_scan_data

        with open_image(corpus_bytes("real_photos/samsung_sm-g965w.jpg")) as im:
            out = io.BytesIO()  # EXIF and sRGB profile kept, like a phone's photo
            im.resize((1632, 1224)).save(
                out,
                "JPEG",
                quality=90,
                exif=im.info["exif"],
                icc_profile=im.info["icc_profile"],
            )
        original = out.getvalue()
        upload(self.client, self.album, "small.jpg", original)
        photo = Photo.objects.get()
        display = read_object(photo.display_link)
        assert_no_metadata(display)
        self.assertEqual(jpeg_scan_data(display), jpeg_scan_data(original))
        with open_image(display) as shown, open_image(original) as sent:
            self.assertEqual(shown.size, (1632, 1224))
            self.assertEqual(shown.tobytes(), sent.tobytes())
        with open_image(read_object(photo.tlink)) as im:
            self.assertEqual(im.size, (512, 384))

    def test_heic_accepted(self):
        response = upload(
            self.client,
            self.album,
            "IMG_0001.HEIC",
            corpus_bytes("formats/rainbow-451x461.heic"),
        )
        self.assertEqual(response.status_code, 201)
        photo = Photo.objects.get()
        self.assertEqual(photo.content_type, "image/heic")
        self.assertTrue(photo.link.endswith(".heic"))

    def test_taken_at_from_exif_with_offset(self):
        upload(
            self.client,
            self.album,
            "gainmap.mpo",
            corpus_bytes("formats/iphone_14_gainmap.mpo"),
        )
        photo = Photo.objects.get()
        self.assertEqual(
            photo.taken_at.isoformat(), "2025-09-07T18:16:43+00:00"
        )  # 14:16:43-04:00

    @override_settings(TIME_ZONE="Europe/Paris")
    def test_taken_at_offsets_out_of_range_mean_local_time(self):
        # +99:99 and -24:00 are no offsets at all (they made the photo
        # "truncated or damaged"), ±23:59 none any time zone has (PostgreSQL
        # refused to store them: "storage is unavailable", forever). Each is
        # read as having no offset: local time (TIME_ZONE), stored in UTC.
        expected = {
            "+99:99": "2026-06-12T16:30:00+00:00",  # 18:30 in Paris (UTC+2)
            "-24:00": "2026-06-12T16:30:00+00:00",
            "+23:59": "2026-06-12T16:30:00+00:00",
            "-23:59": "2026-06-12T16:30:00+00:00",
            "+12:60": "2026-06-12T16:30:00+00:00",
            "+14:00": "2026-06-12T04:30:00+00:00",  # the widest real ones
            "-12:00": "2026-06-13T06:30:00+00:00",
            "+05:45": "2026-06-12T12:45:00+00:00",
            "-00:00": "2026-06-12T18:30:00+00:00",
        }
        for number, (offset, taken) in enumerate(expected.items()):
            with self.subTest(offset=offset):
                exif = Image.Exif()
                exif.get_ifd(0x8769).update(
                    {0x9003: "2026:06:12 18:30:00", 0x9011: offset}
                )
                name = f"offset{number}.jpg"
                data = make_image_bytes(color=(number, 9, 9), exif=exif.tobytes())
                response = upload(self.client, self.album, name, data)
                self.assertEqual(response.status_code, 201, response.json())
                photo = Photo.objects.get(filename=name)
                self.assertEqual(photo.taken_at.isoformat(), taken)
                rendered = images.process(io.BytesIO(data))
                self.assertIs(rendered.taken_at.tzinfo, datetime.UTC)

    def test_taken_at_without_exif_is_upload_time(self):
        upload(self.client, self.album, "a.png", make_image_bytes(format="PNG"))
        photo = Photo.objects.get()
        self.assertEqual(photo.taken_at, photo.created_at)

    def assertRejected(self, name, data, message):
        response = upload(self.client, self.album, name, data)
        self.assertEqual(response.status_code, 400)
        self.assertIn(f"{name}: {message}", response.json()["results"][0]["message"])
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(stored_keys(), [])

    def test_rejections_name_the_file_and_the_problem(self):
        self.assertRejected(
            "script.svg",
            corpus_bytes("hostile/script.svg"),
            "This file isn't a photo or video we can add (it's an SVG). "
            + images.WE_TAKE,
        )
        self.assertRejected(
            "javascript.pdf",
            corpus_bytes("hostile/javascript.pdf"),
            "This file isn't a photo or video we can add (it's a PDF).",
        )
        self.assertRejected(
            "hopper.bmp",
            corpus_bytes("formats/hopper.bmp"),
            "This file isn't a photo or video we can add (it's a BMP).",
        )
        self.assertRejected(
            "zip.png",
            corpus_bytes("hostile/zip_renamed.png"),
            "This file isn't a photo or video we can add (it's a ZIP).",
        )
        self.assertRejected(
            "text.jpg",
            corpus_bytes("hostile/text_renamed.jpg"),
            "This file isn't a photo or video we can add (it doesn't open as a photo).",
        )
        self.assertRejected("empty.jpg", b"", images.EMPTY)
        self.assertRejected(
            "half.jpg",
            corpus_bytes("hostile/truncated_half.jpg"),
            "This photo seems damaged or only partly sent. Please try again.",
        )
        self.assertRejected(
            "bomb.png",
            corpus_bytes("hostile/bomb_png_30000x30000.png"),
            "This photo is too large to add (900 megapixels; the most is 50).",
        )
        self.assertRejected(
            "near.png",
            corpus_bytes("hostile/near_limit_png_7100x7100.png"),
            "This photo is too large to add (50.4 megapixels; the most is 50).",
        )

    def test_polyglots_accepted_but_renditions_are_clean(self):
        for path in ("hostile/png_html_polyglot.png", "hostile/jpeg_html_polyglot.jpg"):
            with self.subTest(path=path):
                self.assertEqual(
                    upload(
                        self.client, self.album, "p", corpus_bytes(path)
                    ).status_code,
                    201,
                )
        for photo in Photo.objects.all():
            self.assertNotIn(
                b"<", read_object(photo.tlink).lower().split(b"\xff\xda")[0]
            )
            self.assertIn(photo.content_type, ("image/png", "image/jpeg"))

    @override_settings(PHOTO_MAX_BYTES=1024 * 1024)
    def test_oversize_rejected_with_its_true_size(self):
        data = b"\xff\xd8" + b"\0" * (3 * 1024 * 1024)
        self.assertRejected(
            "huge.jpg",
            data,
            "This photo is too large to add (3.0 MB; the most is 1 MB).",
        )

    def test_several_files_in_one_form_post_each_handled(self):
        response = self.client.post(
            self.url,
            {
                "photos": [
                    SimpleUploadedFile("good.jpg", make_image_bytes()),
                    SimpleUploadedFile("bad.svg", corpus_bytes("hostile/script.svg")),
                    SimpleUploadedFile(
                        "other.png", make_image_bytes(format="PNG", color=(1, 2, 3))
                    ),
                ]
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertTemplateUsed(response, "photos/upload_results.html")
        self.assertContains(response, "bad.svg", status_code=400)
        self.assertContains(
            response,
            "This file isn&#x27;t a photo or video we can add (it&#x27;s an SVG).",
            status_code=400,
        )
        self.assertEqual(
            sorted(Photo.objects.values_list("filename", flat=True)),
            ["good.jpg", "other.png"],
        )

    def test_html_results_page_links_back(self):
        response = self.client.post(
            self.url, {"photos": SimpleUploadedFile("a.jpg", make_image_bytes())}
        )
        self.assertEqual(response.status_code, 201)
        self.assertContains(response, "a.jpg", status_code=201)
        self.assertContains(response, "Back to the album", status_code=201)

    def test_no_file(self):
        response = self.client.post(self.url, {}, **JSON)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["error"], "Choose at least one photo to upload."
        )

    def test_locked_album_refused(self):
        self.album.uploads_open = False
        self.album.save()
        response = upload(self.client, self.album, "a.jpg", make_image_bytes())
        self.assertEqual(response.status_code, 403)
        self.assertIn("locked", response.json()["error"])
        self.assertEqual(stored_keys(), [])

    def test_guests_refused_when_album_requires_account(self):
        self.album.guest_uploads = False
        self.album.save()
        response = self.client.post(
            self.url, {"photos": SimpleUploadedFile("a.jpg", make_image_bytes())}
        )
        self.assertContains(response, "Log in to upload", status_code=403)
        self.client.force_login(self.bob)
        self.assertEqual(
            upload(self.client, self.album, "a.jpg", make_image_bytes()).status_code,
            201,
        )

    def test_more_files_than_allowed_at_once_get_a_clear_answer(self):
        # As a browser without JavaScript posts the form: the CSRF token in the
        # body, checked for real.
        client = self.client_class(enforce_csrf_checks=True)
        client.get(self.album.get_absolute_url())
        self.assertContains(
            client.get(self.album.get_absolute_url()), "at most 100 at a time"
        )
        token = client.cookies["csrftoken"].value
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        files = [SimpleUploadedFile(f"{n}.jpg", b"x") for n in range(limit + 1)]
        message = (
            f"You chose more than {limit} files: at most {limit} files can be sent "
            "at once."
        )
        page = client.post(self.url, {"csrfmiddlewaretoken": token, "photos": files})
        self.assertContains(page, message, status_code=400)
        self.assertContains(page, "Back to the album", status_code=400)
        for file in files:
            file.seek(0)
        response = client.post(
            self.url, {"csrfmiddlewaretoken": token, "photos": files}, **JSON
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn(message, response.json()["error"])
        self.assertEqual((Photo.objects.count(), stored_keys()), (0, []))
        # As many as allowed go through, CSRF checked as ever.
        ok = client.post(
            self.url,
            {
                "csrfmiddlewaretoken": token,
                "photos": SimpleUploadedFile("a.jpg", make_image_bytes()),
            },
            **JSON,
        )
        self.assertEqual(ok.status_code, 201)
        refused = client.post(
            self.url, {"photos": SimpleUploadedFile("b.jpg", make_image_bytes())}
        )
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(Photo.objects.count(), 1)

    def test_get_not_allowed(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_guest_name_remembered_and_uploads_recorded_as_the_guests(self):
        upload(
            self.client,
            self.album,
            "a.jpg",
            make_image_bytes(),
            data={"guest_name": "  Dana "},
        )
        upload(self.client, self.album, "b.jpg", make_image_bytes(color=(1, 1, 1)))
        photos = list(Photo.objects.order_by("id"))
        self.assertEqual([p.guest_name for p in photos], ["Dana", "Dana"])
        self.assertEqual([p.user for p in photos], [None, None])
        self.assertEqual(self.client.session[SESSION_GUEST_NAME], "Dana")
        # Not a list in the session: each row says which guest cookie added it.
        self.assertNotIn("uploaded_photo_ids", self.client.session)
        key = guests.key_for_token(guest_token(self.client))
        self.assertEqual([p.guest_key for p in photos], [key, key])

    def test_logged_in_user_is_the_uploader_whatever_the_form_says(self):
        self.client.force_login(self.bob)
        upload(
            self.client,
            self.album,
            "a.jpg",
            make_image_bytes(),
            data={"guest_name": "alice"},
        )
        photo = Photo.objects.get()
        self.assertEqual(
            (photo.user, photo.guest_name, photo.uploader_name), (self.bob, "", "bob")
        )


class LocationTests(BaseTestCase):
    """GPS never reaches renditions, nor originals as served to others."""

    def test_jpeg_location_removed_losslessly_for_others(self):
        from photos.images import jpeg_scan_data

        original = corpus_bytes("real_photos/DSCN0010.jpg")
        self.assertTrue(has_gps(original))
        upload(self.client, self.album, "DSCN0010.jpg", original)
        photo = Photo.objects.get()
        self.assertTrue(photo.location_free_link)
        private = read_object(photo.location_free_link)
        self.assertFalse(has_gps(private))
        self.assertNotIn(b"Exif", private)
        self.assertEqual(jpeg_scan_data(private), jpeg_scan_data(original))
        self.assertEqual(photo.location_free_size, len(private))
        for key in (photo.tlink, photo.display_link):
            self.assertFalse(has_gps(read_object(key)))

    def test_rotated_jpeg_keeps_only_its_orientation(self):
        original = corpus_bytes("real_photos/samsung_gt-i9000.jpg")
        upload(self.client, self.album, "s.jpg", original)
        private = read_object(Photo.objects.get().location_free_link)
        with open_image(private) as im:
            self.assertEqual(dict(im.getexif()), {0x0112: 6})

    def test_heic_with_location_gets_full_size_copy_in_its_own_colours_for_others(self):
        original = corpus_bytes("formats/iphone_xr_rotated.heic")
        upload(self.client, self.album, "IMG.HEIC", original)
        photo = Photo.objects.get()
        private = read_object(photo.location_free_link)
        # Only the frame, tables and the colour profile (JFIF, ICC): no EXIF, XMP or comment.
        self.assertEqual(
            {hex(m) for m in jpeg_markers(private)} - {"0xdb", "0xc0", "0xc4", "0xdd"},
            {"0xe0", "0xe2"},
        )
        self.assertFalse(has_gps(private))
        for needle in (b"Exif", b"GPS", b"http://ns.adobe.com/xap"):
            self.assertNotIn(needle, private)
        with open_image(original) as heic, open_image(private) as im:
            self.assertEqual(im.size, (3024, 4032))
            self.assertEqual(
                im.info["icc_profile"], heic.info["icc_profile"]
            )  # Display P3, not converted
            self.assertIsNone(im.getexif().get(0x0112))
            # In sRGB it looks like the display image, which is sRGB without a profile.
            as_srgb = ImageCms.profileToProfile(
                im, io.BytesIO(im.info["icc_profile"]), ImageCms.createProfile("sRGB")
            )
        with open_image(read_object(photo.display_link)) as display:
            self.assertNotIn("icc_profile", display.info)
            expected = ImageStat.Stat(
                as_srgb.resize(display.size, Image.Resampling.BOX)
            ).mean
            shown = ImageStat.Stat(display).mean
        self.assertTrue(
            all(abs(a - b) < 1.5 for a, b in zip(expected, shown, strict=True)),
            (expected, shown),
        )
        converted = ImageStat.Stat(
            im.convert("RGB").resize(display.size, Image.Resampling.BOX)
        ).mean
        self.assertFalse(
            all(abs(a - b) < 1.5 for a, b in zip(converted, shown, strict=True)),
            "P3 pixels differ from sRGB",
        )

    def test_png_with_location_gets_a_flattened_copy_keeping_its_profile(self):
        p3 = open_image(corpus_bytes("formats/iphone_xr_rotated.heic")).info[
            "icc_profile"
        ]
        with open_image(corpus_bytes("real_photos/samsung_gt-i9000.jpg")) as phone:
            exif = phone.getexif()  # with a GPS block
            exif.get_ifd(0x8825)
            exif[0x0112] = 1
        out = io.BytesIO()
        Image.new("RGBA", (300, 200), (40, 160, 90, 128)).save(
            out, "PNG", exif=exif, icc_profile=p3
        )
        self.assertTrue(has_gps(out.getvalue()))
        upload(self.client, self.album, "p.png", out.getvalue())
        photo = Photo.objects.get()
        self.assertTrue(photo.location_free_link)
        private = read_object(photo.location_free_link)
        self.assertFalse(has_gps(private))
        self.assertNotIn(b"Exif", private)
        with open_image(private) as im:
            self.assertEqual((im.mode, im.size), ("RGB", (300, 200)))
            self.assertEqual(im.info["icc_profile"], p3)
            self.assertTrue(
                all(
                    abs(a - b) <= 3
                    for a, b in zip(
                        im.getpixel((150, 100)), (148, 208, 173), strict=True
                    )
                )
            )  # on white
        assert_no_metadata(read_object(photo.display_link))

    def test_no_plink_without_location(self):
        upload(
            self.client, self.album, "n.jpg", corpus_bytes("real_photos/nikon_e950.jpg")
        )
        photo = Photo.objects.get()
        self.assertEqual(photo.location_free_link, "")
        self.assertEqual(len(stored_keys()), 4)  # original, display, thumbnail, small

    def test_jpeg_with_location_too_broken_to_strip_is_refused_and_leaves_nothing(self):
        original = corpus_bytes("real_photos/DSCN0010.jpg")
        exif_end = 4 + int.from_bytes(original[4:6], "big")
        # A stray byte after the EXIF segment: decoders skip it, a lossless strip can't.
        damaged = original[:exif_end] + b"\x00" + original[exif_end:]
        with open_image(damaged) as im:
            im.load()
        response = upload(self.client, self.album, "broken.jpg", damaged)
        self.assertEqual(response.status_code, 400)
        message = response.json()["results"][0]["message"]
        self.assertEqual(message, f"broken.jpg: {images.UNSTRIPPABLE_LOCATION}")
        self.assertIn("records where it was taken", message)
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(stored_keys(), [])


class UploadFailureTests(BaseTestCase):
    """Storage or the database failing mid-upload: a clear 503, nothing left behind."""

    def test_storage_failure_removes_what_was_written(self):
        from unittest import mock

        from core import storage

        real_save = storage.save
        calls = []

        def failing_save(key, content, content_type):
            calls.append(key)
            if (
                len(calls) == 3
            ):  # the original and display are written, then the thumbnail fails
                raise OSError("storage is down")
            return real_save(key, content, content_type)

        with mock.patch("core.storage.save", failing_save):
            response = upload(self.client, self.album, "a.jpg", make_image_bytes())
        self.assertEqual(response.status_code, 503)
        self.assertIn("try again", response.json()["results"][0]["message"])
        self.assertEqual(response.json()["results"][0]["status"], "unavailable")
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(stored_keys(), [])

    def test_database_failure_removes_what_was_written(self):
        from unittest import mock

        from django.db import OperationalError

        with mock.patch(
            "photos.models.PhotoQuerySet.create",
            side_effect=OperationalError("db gone"),
        ):
            response = self.client.post(
                reverse("upload", args=[self.album.code]),
                {"photos": SimpleUploadedFile("a.jpg", make_image_bytes())},
            )
        self.assertContains(response, "try again", status_code=503)
        self.assertEqual(stored_keys(), [])

    def test_same_file_racing_in_ends_as_duplicate_through_the_constraint(self):
        from unittest import mock

        from albums.tests.base import store_photo
        from photos import images

        data = make_image_bytes()
        real_process = images.process

        def process_while_another_request_adds_it(fh, filename=""):
            rendered = real_process(fh, filename)
            store_photo(self.album, sha256=hashlib.sha256(data).hexdigest())
            return rendered

        with mock.patch("photos.images.process", process_while_another_request_adds_it):
            response = upload(self.client, self.album, "a.jpg", data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["results"][0]["status"], "duplicate")
        winner = Photo.objects.get()
        self.assertEqual(stored_keys(), sorted(winner.storage_keys))


class UploadFormTests(BaseTestCase):
    """templates/photos/upload_form.html as the album page includes it."""

    def test_open_album_shows_a_plain_multipart_form(self):
        response = self.client.get(reverse("album", args=[self.album.code]))
        self.assertContains(
            response, f'action="{reverse("upload", args=[self.album.code])}"'
        )
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(
            response, 'name="photos" multiple accept="image/*,video/*,.heic,.heif,.mov"'
        )
        self.assertContains(response, '<label for="upload-photos">')
        self.assertContains(response, '<label for="upload-guest-name">')

    def test_remembered_guest_name_prefilled_and_no_name_field_for_users(self):
        upload(
            self.client,
            self.album,
            "a.jpg",
            make_image_bytes(),
            data={"guest_name": "Dana"},
        )
        self.assertContains(
            self.client.get(reverse("album", args=[self.album.code])), 'value="Dana"'
        )
        self.client.force_login(self.bob)
        self.assertNotContains(
            self.client.get(reverse("album", args=[self.album.code])),
            "upload-guest-name",
        )

    def test_locked_album_shows_the_reason_instead(self):
        self.album.uploads_open = False
        self.album.save()
        response = self.client.get(reverse("album", args=[self.album.code]))
        self.assertContains(response, "This album is locked")
        self.assertNotContains(response, 'name="photos"')
