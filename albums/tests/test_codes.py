from unittest import mock

from django.test import SimpleTestCase

from albums.codes import ALPHABET, LENGTH, format_code, generate_code, normalize_code
from albums.models import Album
from albums.tests.base import AlbumTestCase


class GenerateCodeTestCase(SimpleTestCase):
    def test_codes_are_eight_crockford_characters(self):
        codes = {generate_code() for _ in range(500)}
        self.assertEqual(LENGTH, 8)
        for code in codes:
            self.assertRegex(code, r"^[0-9A-HJKMNP-TV-Z]{8}$")
        self.assertEqual(len(codes), 500)  # 40 bits: 500 draws never repeat in practice
        self.assertFalse(set("ILOU") & set("".join(codes)))

    def test_alphabet_is_crockford_base32(self):
        self.assertEqual(len(ALPHABET), 32)
        self.assertEqual(ALPHABET, "0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    def test_format_groups_in_fours(self):
        self.assertEqual(format_code("K7QM2XPA"), "K7QM-2XPA")


class NormalizeCodeTestCase(SimpleTestCase):
    def test_forgives_case_spaces_hyphens_and_confusions(self):
        for typed in [
            "K7QM2XPA",
            "k7qm2xpa",
            "K7QM-2XPA",
            " k7qm 2xpa ",
            "k7qm_2xpa",
            "K7QM.2XPA",
        ]:
            with self.subTest(typed=typed):
                self.assertEqual(normalize_code(typed), "K7QM2XPA")
        self.assertEqual(normalize_code("iL0o-AB12"), "1100AB12")

    def test_rejects_what_cannot_be_a_code(self):
        for typed in [
            "",
            None,
            "K7QM2XP",
            "K7QM2XPAB",
            "K7QM2XPU",
            "K7QM/2XPA",
            "K7QM2XP€",
            "\x00" * 8,
        ]:
            with self.subTest(typed=typed):
                self.assertIsNone(normalize_code(typed))


class AlbumCodeTestCase(AlbumTestCase):
    def test_new_album_gets_a_code(self):
        album = Album.objects.create(name="Trip", user=self.bob)
        self.assertRegex(album.code, r"^[0-9A-HJKMNP-TV-Z]{8}$")
        self.assertEqual(album.display_code, f"{album.code[:4]}-{album.code[4:]}")

    def test_collision_draws_again(self):
        with mock.patch(
            "albums.models.generate_code", side_effect=[self.album.code, "NEWC0DE1"]
        ) as draw:
            album = Album.objects.create(name="Trip", user=self.bob)
        self.assertEqual(album.code, "NEWC0DE1")
        self.assertEqual(draw.call_count, 2)

    def test_same_name_gives_different_codes(self):
        first = Album.objects.create(name="Same", user=self.bob)
        second = Album.objects.create(name="Same", user=self.bob)
        self.assertNotEqual(first.code, second.code)
