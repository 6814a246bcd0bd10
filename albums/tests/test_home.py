from django.test import TestCase


class HomeTestCase(TestCase):
    def test_it_renders(self):
        response = self.client.get("/")
        self.assertContains(response, "PartyShots")
