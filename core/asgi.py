"""The web process's front: an ASGI application that does all the waiting on
the event loop and gives Django a thread only for a request that has fully
arrived.

granian (partyshots/server.py) reads request lines and headers, with its
header timeout, and hands each request here. This front then:

- reads the body chunk by chunk as it arrives into a temporary file (memory
  first, disk past SPOOL_MEMORY), on the event loop: a guest trickling a
  photo over weak Wi-Fi holds a socket and a file, not a thread. A body that
  sends nothing for settings.REQUEST_BODY_TIMEOUT seconds is answered 408
  and its connection closed;
- for a body larger than SMALL_BODY (or chunked), first runs Django with
  the body left unread so core.middleware.RequestBodyMiddleware can refuse
  it (413 over the address's limit, 404/403/429 from the apps' checks)
  without receiving a byte of it, and reads it only if that passes, never
  past the limit it gave (413, connection closed);
- then runs Django's ordinary WSGI handler in a pool of `threads` threads
  per process, as gunicorn's threaded worker did: each thread keeps its own
  database connection (CONN_MAX_AGE), and the pool bounds how many requests
  run Django at once;
- streams a streaming response (the album ZIP, local media files) a chunk
  at a time: each next() runs in the pool and the chunk is sent before the
  next is read, so memory stays flat and a slow reader holds no thread; a
  client that goes away stops the stream and closes it (and its storage
  stream).
"""

import asyncio
import io
import logging
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core import requestbody

logger = logging.getLogger(__name__)

MIDDLEWARE = "core.middleware.RequestBodyMiddleware"
# A body up to this size is simply read before Django sees the request: the
# checks would cost more than reading it (a form, a login).
SMALL_BODY = 64 * 1024
# How much of a body is kept in memory before it goes to a temporary file:
# many slow uploads at once must not add up to much memory.
SPOOL_MEMORY = 256 * 1024
# A file response (Django's FileResponse: local media) is read this much at
# a time, not in FileResponse's 4 KB blocks.
FILE_BLOCK = 256 * 1024
_END = object()


class FileWrapper:
    """wsgi.file_wrapper: a file read FILE_BLOCK at a time, closed with the
    response (Django hands its FileResponse's file here)."""

    def __init__(self, filelike, block_size=FILE_BLOCK):
        self.filelike = filelike
        self.block_size = max(block_size, FILE_BLOCK)

    def __iter__(self):
        while chunk := self.filelike.read(self.block_size):
            yield chunk

    def close(self):
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()


class Disconnected(Exception):
    """The client went away before its request had arrived."""


def environ_for(scope):
    """The WSGI environ of an ASGI HTTP scope, without the body. Headers with
    an underscore in their name are dropped (as gunicorn does): they would
    map to the same variable as their dashed twin (X_Forwarded_For as
    X-Forwarded-For)."""
    raw_path = scope.get("raw_path")
    if raw_path:
        path = unquote_to_bytes(raw_path.split(b"?", 1)[0]).decode("latin1")
    else:
        path = scope["path"].encode("utf8").decode("latin1")
    script_name = scope.get("root_path", "").encode("utf8").decode("latin1")
    if script_name and path.startswith(script_name):
        path = path[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]) if client else "",
        "REMOTE_PORT": str(client[1]) if client else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.errors": sys.stderr,
        "wsgi.file_wrapper": FileWrapper,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    headers = defaultdict(list)
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin1").upper()
        if "_" in name:
            continue
        if name in ("CONTENT_LENGTH", "CONTENT-LENGTH"):
            key = "CONTENT_LENGTH"
        elif name == "CONTENT-TYPE":
            key = "CONTENT_TYPE"
        else:
            key = "HTTP_" + name.replace("-", "_")
        headers[key].append(raw_value.decode("latin1"))
    for key, values in headers.items():
        environ[key] = ("; " if key == "HTTP_COOKIE" else ",").join(values)
    return environ


class WSGIBridge:
    """ASGI application serving a WSGI application (Django's) as described
    above; `threads` is the size of the pool that runs it."""

    def __init__(self, wsgi_application, threads=4):
        if MIDDLEWARE not in settings.MIDDLEWARE:
            raise ImproperlyConfigured(
                f"core.asgi needs {MIDDLEWARE} in MIDDLEWARE: it is what refuses "
                "a request before its body is read."
            )
        self.application = wsgi_application
        self.threads = threads
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="django")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            exchange = Exchange(self, scope, receive, send)
            try:
                await exchange.serve()
            except Exception:
                logger.exception(
                    "serving %s %s failed",
                    exchange.environ["REQUEST_METHOD"],
                    exchange.environ["PATH_INFO"],
                )
                if exchange.started:
                    raise  # The server cuts the connection short.
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": b"Server error"})
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        else:  # Websockets: not served.
            await send({"type": "websocket.close"})

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def run(self, environ):
        """In a pool thread: the WSGI application's answer to `environ` as
        (status, headers, body bytes or None, iterable to stream or None).
        A response that isn't streaming is read and closed here."""
        started = {}

        def start_response(status, headers, exc_info=None):
            # Nothing is sent before the application returns, so a second
            # call (with exc_info) simply replaces the first.
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("latin1"), value.encode("latin1"))
                for name, value in headers
            ]
            return self._no_write

        result = self.application(environ, start_response)
        if getattr(result, "streaming", True) is False:  # A Django HttpResponse.
            try:
                body = b"".join(result)
            finally:
                result.close()
            return started["status"], started["headers"], body, None
        return started["status"], started["headers"], None, result

    @staticmethod
    def _no_write(data):
        raise NotImplementedError("the WSGI write() callable is not supported")


class Exchange:
    """One HTTP request and its response."""

    def __init__(self, bridge, scope, receive, send):
        self.bridge = bridge
        self.receive = receive
        self.send = send
        self.environ = environ_for(scope)
        self.loop = asyncio.get_running_loop()
        self.started = False

    async def serve(self):
        environ = self.environ
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        checked = chunked or declared > SMALL_BODY
        try:
            if checked:
                limit = await self.checks_passed()
                if limit is None:  # Refused, or answered without its body.
                    return
                body = await self.read_body(limit)
            else:
                body = await self.read_body(SMALL_BODY) if declared else (b"", 0)
        except Disconnected:
            return
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        if isinstance(body[0], str):  # Refused while it arrived.
            reason, limit = body
            environ.update(
                {
                    "wsgi.input": io.BytesIO(),
                    "CONTENT_LENGTH": "0",
                    requestbody.REFUSED: reason,
                    requestbody.REFUSED_LIMIT: limit,
                }
            )
            await self.respond(environ, body_read=False)
            return
        stream, size = body
        if isinstance(stream, bytes):
            stream = io.BytesIO(stream)
        with stream:
            environ["wsgi.input"] = stream
            environ["CONTENT_LENGTH"] = str(size)
            if checked:
                environ[requestbody.CHECKED] = True
            await self.respond(environ, body_read=True)

    async def checks_passed(self):
        """Runs Django with the body unread. Returns the body's limit if the
        request may go on, else None once the refusal has been sent."""
        wanted = []
        first = {
            **self.environ,
            "wsgi.input": io.BytesIO(),
            requestbody.DEFER: wanted.append,
        }
        status, headers, body, iterable = await self.in_pool(self.bridge.run, first)
        if wanted:
            if iterable is not None:
                await self.in_pool(iterable.close)
            return wanted[0]
        await self.send_response(status, headers, body, iterable, body_read=False)
        return None

    async def read_body(self, limit):
        """(bytes or file, size) of the body, or (reason, limit) for one refused
        while it arrived (its connection is then closed after the answer).
        Raises Disconnected."""
        timeout = settings.REQUEST_BODY_TIMEOUT
        spool = None
        parts = []
        size = 0
        done = False
        try:
            while not done:
                try:
                    async with asyncio.timeout(timeout):
                        message = await self.receive()
                except TimeoutError:
                    return (requestbody.TIMEOUT, limit)
                if message["type"] == "http.disconnect":
                    raise Disconnected
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    return (requestbody.TOO_LARGE, limit)
                if spool is None and size > SMALL_BODY:
                    # Closed by serve() once the response is sent.
                    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
                    spool.writelines(parts)
                    parts = []
                if spool is None:
                    parts.append(chunk)
                else:
                    spool.write(chunk)
                done = not message.get("more_body", False)
        finally:
            if spool is not None and not done:
                spool.close()
        if spool is None:
            return b"".join(parts), size
        spool.seek(0)
        return spool, size

    async def respond(self, environ, body_read):
        status, headers, body, iterable = await self.in_pool(self.bridge.run, environ)
        await self.send_response(status, headers, body, iterable, body_read)

    async def send_response(self, status, headers, body, iterable, body_read):
        self.started = True
        await self.send(
            {"type": "http.response.start", "status": status, "headers": headers}
        )
        if iterable is None:
            await self.send({"type": "http.response.body", "body": body})
            return
        # The response is streamed. Once the body has been read, a receive()
        # returns only when the client goes away: then stop.
        pump = asyncio.ensure_future(self.stream(iterable))
        gone = asyncio.ensure_future(self.disconnect()) if body_read else None
        try:
            await asyncio.wait(
                [task for task in (pump, gone) if task is not None],
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            if gone is not None:
                gone.cancel()
            if not pump.done():
                pump.cancel()
                logger.info(
                    "client went away during a streamed response: %s %s",
                    self.environ["REQUEST_METHOD"],
                    self.environ["PATH_INFO"],
                )
            try:
                await pump  # A failed stream raises here (see __call__).
            except asyncio.CancelledError:
                pass
            finally:
                await self.in_pool(self.close_quietly, iterable)

    async def stream(self, iterable):
        iterator = iter(iterable)
        while True:
            future = self.bridge.pool.submit(next, iterator, _END)
            try:
                chunk = await asyncio.wrap_future(future)
            except asyncio.CancelledError:
                # Let the running next() finish before the iterable is closed.
                while not future.done():
                    await asyncio.sleep(0.01)
                raise
            if chunk is _END:
                break
            if chunk:
                await self.send(
                    {"type": "http.response.body", "body": chunk, "more_body": True}
                )
        await self.send({"type": "http.response.body", "body": b""})

    async def disconnect(self):
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                return

    @staticmethod
    def close_quietly(iterable):
        close = getattr(iterable, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                logger.exception("closing a streamed response failed")

    async def in_pool(self, function, *args):
        return await self.loop.run_in_executor(self.bridge.pool, function, *args)
