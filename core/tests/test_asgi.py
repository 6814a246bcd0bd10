"""core.asgi, the web process's front, driven in process as granian drives it:
bodies read on the event loop only once the checks pass and within their
limit and timeout, Django run in the thread pool, streamed responses pulled
a chunk at a time and stopped when the client goes away."""

import asyncio
import io
import json

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.http import (
    FileResponse,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.test import SimpleTestCase, override_settings
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from core.asgi import FILE_BLOCK, SMALL_BODY, WSGIBridge, environ_for
from core.tests.support import run_coroutine

CHECKED = []
PRODUCED = []


@csrf_exempt
def echo(request):
    return JsonResponse(
        {
            "size": len(request.body),
            "remote": request.META["REMOTE_ADDR"],
            "forwarded": request.META.get("HTTP_X_FORWARDED_FOR"),
            "cookies": request.COOKIES,
            "path": request.path,
            "query": request.GET.dict(),
        }
    )


def stream(request):
    PRODUCED.clear()

    def chunks():
        try:
            for index in range(100):
                PRODUCED.append(index)
                yield b"x" * 1024
        finally:
            PRODUCED.append("closed")

    return StreamingHttpResponse(chunks())


def a_file(request):
    PRODUCED.clear()

    class Recorded(io.BytesIO):
        def read(self, size=-1):
            PRODUCED.append(size)
            return super().read(size)

        def close(self):
            PRODUCED.append("closed")
            super().close()

    return FileResponse(Recorded(b"f" * 1_000_000), content_type="image/jpeg")


def refuse_check(request, match):
    CHECKED.append(request.path)
    if match is not None and match.url_name == "refused":
        return HttpResponse("refused before the body", status=403)
    return None


urlpatterns = [
    path("echo/", echo, name="echo"),
    path("big/", echo, name="big"),
    path("refused/", echo, name="refused"),
    path("stream/", stream),
    path("file/", a_file),
    path("", include("partyshots.urls")),  # The pages' links.
]

LIMIT = 100_000  # above SMALL_BODY, so a body between the two is checked first
BIG_LIMIT = 1_000_000


def scope(method="POST", path="/echo/", headers=(), raw_path=None, query=b""):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("203.0.113.7", "50000"),
        "server": ("127.0.0.1", "8000"),
    }


class Client:
    """The server's side of one connection: body messages to hand out
    ("stall" waits for ever), what the app sent, and how often it asked."""

    def __init__(self, body=(), gone_after_chunks=None):
        self.body = list(body)
        self.receives = 0
        self.sent = []
        self.gone = asyncio.Event()
        self.gone_after_chunks = gone_after_chunks
        self.produced_when_sent = []

    async def receive(self):
        self.receives += 1
        if self.body:
            message = self.body.pop(0)
            if message == "stall":
                await asyncio.sleep(3600)
            return message
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        self.sent.append(message)
        if message["type"] == "http.response.body" and message.get("more_body"):
            self.produced_when_sent.append(len(PRODUCED))
            chunks = len(self.produced_when_sent)
            if self.gone_after_chunks is not None and chunks >= self.gone_after_chunks:
                self.gone.set()

    @property
    def status(self):
        return self.sent[0]["status"] if self.sent else None

    @property
    def content(self):
        return b"".join(m.get("body", b"") for m in self.sent[1:])


def chunks(total, size):
    parts = [
        {"type": "http.request", "body": b"a" * size, "more_body": True}
        for _ in range(total // size)
    ]
    parts[-1]["more_body"] = False
    return parts


@override_settings(
    ROOT_URLCONF=__name__,
    REQUEST_BODY_CHECKS=[f"{__name__}.refuse_check"],
    REQUEST_BODY_MAX_BYTES=LIMIT,
    REQUEST_BODY_LIMITS={"big": BIG_LIMIT},
    REQUEST_BODY_TIMEOUT=0.3,
)
class BridgeTests(SimpleTestCase):
    def setUp(self):
        CHECKED.clear()
        self.bridge = WSGIBridge(get_wsgi_application(), threads=1)
        self.addCleanup(self.bridge.pool.shutdown)

    def serve(self, request_scope, client, timeout=10):
        async def run():
            await asyncio.wait_for(
                self.bridge(request_scope, client.receive, client.send), timeout
            )

        run_coroutine(run())
        return client

    def length(self, size, *more):
        return [(b"content-length", str(size).encode()), *more]

    def test_a_small_body_is_read_then_served_once(self):
        client = self.serve(
            scope(headers=self.length(10)),
            Client([{"type": "http.request", "body": b"0123456789"}]),
        )
        self.assertEqual(client.status, 200)
        self.assertEqual(json.loads(client.content)["size"], 10)
        self.assertEqual(CHECKED, ["/echo/"])

    def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read(self):
        client = self.serve(
            scope(headers=self.length(LIMIT + 1, (b"accept", b"application/json"))),
            Client(chunks(LIMIT + 1, LIMIT + 1)),
        )
        self.assertEqual(client.status, 413)
        self.assertEqual(client.receives, 0)
        self.assertIn("at most", json.loads(client.content)["error"])
        self.assertEqual(CHECKED, [])

    def test_a_request_a_check_refuses_is_answered_with_its_body_unread(self):
        client = self.serve(
            scope(path="/refused/", headers=self.length(SMALL_BODY + 1)),
            Client(chunks(SMALL_BODY + 1, SMALL_BODY + 1)),
        )
        self.assertEqual(client.status, 403)
        self.assertEqual(client.content, b"refused before the body")
        self.assertEqual(client.receives, 0)

    def test_a_large_body_is_checked_first_then_read_within_its_addresss_limit(self):
        client = self.serve(
            scope(path="/big/", headers=self.length(500_000)),
            Client(chunks(500_000, 50_000)),
        )
        self.assertEqual(client.status, 200)
        self.assertEqual(json.loads(client.content)["size"], 500_000)
        self.assertEqual(CHECKED, ["/big/"])  # Not again once the body is read.

    def test_a_chunked_body_is_cut_off_with_413_at_the_limit(self):
        client = self.serve(
            scope(headers=[(b"transfer-encoding", b"chunked")]),
            Client(chunks(LIMIT * 3, 10_000)),
        )
        self.assertEqual(client.status, 413)
        self.assertEqual(client.receives, LIMIT // 10_000 + 1)

    def test_a_chunked_body_within_the_limit_gets_its_length(self):
        client = self.serve(
            scope(headers=[(b"transfer-encoding", b"chunked")]),
            Client(chunks(90_000, 10_000)),
        )
        self.assertEqual(client.status, 200)
        self.assertEqual(json.loads(client.content)["size"], 90_000)

    def test_a_body_that_stops_arriving_is_answered_408(self):
        client = self.serve(
            scope(headers=self.length(90_000)),
            Client(
                [{"type": "http.request", "body": b"a" * 1000, "more_body": True}]
                + ["stall"]
            ),
        )
        self.assertEqual(client.status, 408)

    def test_nothing_is_answered_to_a_client_gone_before_its_body_arrived(self):
        client = self.serve(
            scope(headers=self.length(90_000)),
            Client([{"type": "http.disconnect"}]),
        )
        self.assertEqual(client.sent, [])

    def test_a_streamed_response_is_read_a_chunk_at_a_time(self):
        client = self.serve(scope(method="GET", path="/stream/"), Client())
        self.assertEqual(client.status, 200)
        self.assertEqual(len(client.content), 100 * 1024)
        # Each chunk went out before the next was made: never all in memory.
        for sent, produced in enumerate(client.produced_when_sent, start=1):
            self.assertLessEqual(produced, sent + 1)
        self.assertEqual(PRODUCED[-1], "closed")

    def test_a_file_is_sent_in_large_blocks_and_closed(self):
        client = self.serve(scope(method="GET", path="/file/"), Client())
        self.assertEqual(client.status, 200)
        self.assertEqual(client.content, b"f" * 1_000_000)
        self.assertEqual(PRODUCED[0], FILE_BLOCK)
        self.assertLessEqual(len(PRODUCED), 1_000_000 // FILE_BLOCK + 3)
        self.assertEqual(PRODUCED[-1], "closed")

    def test_a_client_going_away_stops_the_stream_and_closes_it(self):
        client = self.serve(
            scope(method="GET", path="/stream/"), Client(gone_after_chunks=5)
        )
        self.assertEqual(PRODUCED[-1], "closed")
        self.assertLess(len(PRODUCED), 20)
        self.assertLess(len(client.content), 20 * 1024)


class EnvironTests(SimpleTestCase):
    def test_the_client_address_is_the_peer_whatever_x_forwarded_for_says(self):
        environ = environ_for(
            scope(headers=[(b"x-forwarded-for", b"198.51.100.1")], method="GET")
        )
        self.assertEqual(environ["REMOTE_ADDR"], "203.0.113.7")
        self.assertEqual(environ["HTTP_X_FORWARDED_FOR"], "198.51.100.1")

    def test_a_header_with_an_underscore_cant_pose_as_its_dashed_twin(self):
        environ = environ_for(
            scope(
                headers=[
                    (b"x-forwarded-for", b"198.51.100.1"),
                    (b"x_forwarded_for", b"192.0.2.9"),
                ]
            )
        )
        self.assertEqual(environ["HTTP_X_FORWARDED_FOR"], "198.51.100.1")

    def test_headers_path_and_query(self):
        environ = environ_for(
            scope(
                path="/a b/€",
                raw_path=b"/a%20b/%E2%82%AC",
                query=b"q=%20x",
                headers=[
                    (b"cookie", b"a=1"),
                    (b"cookie", b"b=2"),
                    (b"content-type", b"text/plain"),
                    (b"content-length", b"3"),
                    (b"accept", b"text/html"),
                    (b"accept", b"application/json"),
                ],
            )
        )
        self.assertEqual(environ["PATH_INFO"], "/a b/€".encode().decode("latin1"))
        self.assertEqual(environ["QUERY_STRING"], "q=%20x")
        self.assertEqual(environ["HTTP_COOKIE"], "a=1; b=2")
        self.assertEqual(environ["CONTENT_TYPE"], "text/plain")
        self.assertEqual(environ["CONTENT_LENGTH"], "3")
        self.assertEqual(environ["HTTP_ACCEPT"], "text/html,application/json")
        self.assertEqual(environ["SERVER_PORT"], "8000")

    def test_the_bridge_refuses_to_run_without_the_body_middleware(self):
        with (
            override_settings(
                MIDDLEWARE=[
                    "django.middleware.csrf.CsrfViewMiddleware",
                ]
            ),
            self.assertRaises(ImproperlyConfigured),
        ):
            WSGIBridge(lambda environ, start_response: [], threads=1)
