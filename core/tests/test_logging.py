"""Logs go to stdout, one line per record: a request error with its traceback included."""

import io
import logging

from django.http import HttpResponse
from django.test import TestCase, override_settings
from django.urls import path

from partyshots.settings import OneLineFormatter


def broken_view(request):
    raise ValueError("something broke\nInjected: fake line")


def fine_view(request):
    return HttpResponse("ok")


urlpatterns = [path("broken/", broken_view), path("fine/", fine_view)]


@override_settings(ROOT_URLCONF=__name__)
class RequestErrorLoggingTests(TestCase):
    def setUp(self):
        # The stdout handler of settings.LOGGING (pytest adds its own beside it).
        (self.handler,) = [
            handler
            for handler in logging.getLogger("django.request").handlers
            if isinstance(handler.formatter, OneLineFormatter)
        ]
        self.stream = io.StringIO()
        previous = self.handler.setStream(self.stream)
        self.addCleanup(self.handler.setStream, previous)

    def test_a_server_error_is_one_line_with_method_path_status_and_traceback(self):
        self.client.raise_request_exception = False
        response = self.client.get("/broken/?x=1")
        self.assertEqual(response.status_code, 500)
        output = self.stream.getvalue()
        self.assertEqual(output.count("\n"), 1, output)
        self.assertIn("ERROR django.request: Internal Server Error: /broken/", output)
        self.assertIn("Traceback (most recent call last):", output)
        self.assertIn("in broken_view", output)
        self.assertIn("ValueError: something broke | Injected: fake line", output)

    def test_nothing_is_logged_for_a_fine_request(self):
        self.client.get("/fine/")
        self.assertEqual(self.stream.getvalue(), "")
