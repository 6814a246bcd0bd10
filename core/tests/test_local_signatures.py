"""Signed local links: each signature covers one unambiguous encoding of the
name and every parameter, so no rearrangement of the values passes."""

from django.test import SimpleTestCase

from core.storage.local import check_local_signature, local_signature


class LocalSignatureTests(SimpleTestCase):
    name = "albums/1/0123abcd.jpg"

    def signed(self, **query):
        query = {"Expires": "4102444800", **query}
        return {**query, "Signature": local_signature(self.name, query)}

    def test_a_signed_query_checks_out(self):
        query = self.signed(
            ResponseContentType="image/jpeg",
            ResponseContentDisposition='attachment; filename="a.jpg"',
        )
        self.assertEqual(
            check_local_signature(self.name, query),
            {
                "ResponseContentType": "image/jpeg",
                "ResponseContentDisposition": 'attachment; filename="a.jpg"',
            },
        )

    def test_a_disposition_moved_into_the_content_type_does_not_pass(self):
        # Signed as "name\nExpires=...\nResponseContentType=...\n
        # ResponseContentDisposition=..." these two were the same string.
        query = self.signed(
            ResponseContentType="image/jpeg",
            ResponseContentDisposition="attachment",
        )
        forged = {
            "Expires": query["Expires"],
            "ResponseContentType": "image/jpeg\nResponseContentDisposition=attachment",
            "Signature": query["Signature"],
        }
        self.assertIsNone(check_local_signature(self.name, forged))

    def test_values_moved_between_parameters_do_not_pass(self):
        query = self.signed(ResponseContentType="text/html")
        moved = {
            "Expires": query["Expires"],
            "ResponseContentDisposition": "text/html",
            "Signature": query["Signature"],
        }
        self.assertIsNone(check_local_signature(self.name, moved))

    def test_control_characters_are_refused_even_when_signed(self):
        for value in ("image/jpeg\r\nX-Evil: 1", "a\x00b", "a\x7fb"):
            with self.subTest(value=value):
                query = self.signed(ResponseContentType=value)
                self.assertIsNone(check_local_signature(self.name, query))
        query = self.signed()
        self.assertIsNone(check_local_signature(self.name + "\n", query))

    def test_expired_links_do_not_pass(self):
        query = {"Expires": "1000"}
        query["Signature"] = local_signature(self.name, query)
        self.assertIsNone(check_local_signature(self.name, query))
