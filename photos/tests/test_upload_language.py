"""The worker says why it refused a direct upload in the sender's language
(Upload.language, the language of the request that started it), not in
whatever language the worker runs in.

The project has no German catalog yet, so these tests bring one of their own:
a .mo file in a temporary LOCALE_PATHS holding the German for the one
refusal they send."""

import struct
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django.utils import translation

from albums.tests.base import AlbumTestCase
from core.tests.support import local_storage
from photos import images
from photos.direct_uploads import process
from photos.models import Upload
from photos.tests.direct_helpers import send
from photos.tests.helpers import corpus_bytes

DAMAGED_DE = (
    "Dieses Foto scheint beschädigt oder nur zum Teil gesendet. Bitte versuche "
    "es noch einmal."
)


def write_mo(path, messages):
    """A GNU gettext catalog (.mo) at `path` of `messages`, {msgid: msgstr}."""
    entries = sorted(
        {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items()
    )
    ids = [msgid.encode() for msgid, _msgstr in entries]
    strs = [msgstr.encode() for _msgid, msgstr in entries]
    count = len(entries)
    # The header, then the two tables of (length, offset), then the strings.
    start = 7 * 4 + 16 * count
    offsets, data = [], b""
    for text in ids + strs:
        offsets.append((len(text), start + len(data)))
        data += text + b"\0"
    header = struct.pack(
        "<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, start
    )
    tables = b"".join(struct.pack("<2I", *pair) for pair in offsets)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + tables + data)


class UploadLanguageTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.enterContext(local_storage())
        locale = Path(self.enterContext(tempfile.TemporaryDirectory()))
        with translation.override("en"):  # the msgid, whatever ran before
            msgid = str(images.DAMAGED)
        write_mo(locale / "de" / "LC_MESSAGES" / "django.mo", {msgid: DAMAGED_DE})
        self.enterContext(override_settings(LOCALE_PATHS=[locale]))
        self.data = corpus_bytes("hostile/truncated_half.jpg")

    def sent_in(self, language):
        """A damaged photo sent straight to storage by someone reading
        PartyShots in `language`; the worker has not run yet (the test
        client's transaction never commits)."""
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        finished, _started = send(self.client, self.album, "half.jpg", self.data)
        self.assertEqual(finished.status_code, 202)
        upload = Upload.objects.get()
        self.assertEqual(upload.language, language)
        return upload

    def test_the_worker_refuses_in_german_for_a_german_sender(self):
        upload = self.sent_in("de")
        with translation.override("en"):  # a worker that runs in English
            self.assertEqual(process(upload.pk), Upload.REJECTED)
            self.assertEqual(translation.get_language(), "en")  # left as it was
        upload.refresh_from_db()
        self.assertEqual(upload.message, f"half.jpg: {DAMAGED_DE}")

    def test_the_worker_refuses_in_english_for_an_english_sender(self):
        upload = self.sent_in("en")
        with translation.override("de"):  # a worker that runs in German
            self.assertEqual(process(upload.pk), Upload.REJECTED)
        upload.refresh_from_db()
        self.assertEqual(
            upload.message,
            "half.jpg: This photo seems damaged or only partly sent. Please try again.",
        )

    def test_an_upload_without_a_language_is_refused_in_the_sites(self):
        upload = self.sent_in("de")
        Upload.objects.filter(pk=upload.pk).update(language="")
        with (
            override_settings(LANGUAGE_CODE="de"),
            translation.override("en"),
        ):
            process(upload.pk)
        upload.refresh_from_db()
        self.assertEqual(upload.message, f"half.jpg: {DAMAGED_DE}")
