"""core.storage against an S3 that accepts connections and never answers: a
save gives up after (connect + read timeout) x attempts of the deployed
client config (settings.AWS_S3_CLIENT_CONFIG), not botocore's 60 s reads
tried again and again."""

import socket
import threading
import time

from botocore.config import Config
from django.conf import settings
from django.test import SimpleTestCase, override_settings

from core import storage


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never
    sends a byte; counts the connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        self.sock.close()
        for connection in self.connections:
            connection.close()


class HangingS3Tests(SimpleTestCase):
    def setUp(self):
        self.server = SilentServer()
        self.addCleanup(self.server.close)

    def test_the_deployed_client_waits_5_s_to_connect_20_s_to_read_twice_at_most(self):
        config = settings.AWS_S3_CLIENT_CONFIG
        self.assertEqual((config.connect_timeout, config.read_timeout), (5, 20))
        self.assertEqual(config.retries["total_max_attempts"], 2)

    def test_a_save_gives_up_after_the_read_timeout_times_the_attempts(self):
        read_timeout = 1  # the deployed config, with a read timeout a test can wait for
        config = settings.AWS_S3_CLIENT_CONFIG.merge(
            Config(read_timeout=read_timeout, s3={"addressing_style": "path"})
        )
        options = {
            "endpoint_url": f"http://127.0.0.1:{self.server.port}",
            "bucket_name": "hanging",
            "region_name": "us-east-1",
            "client_config": config,
        }
        with override_settings(
            STORAGES={
                **settings.STORAGES,
                "default": {
                    "BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": options,
                },
            }
        ):
            started = time.monotonic()
            with self.assertRaises(Exception) as raised:
                storage.save(
                    "albums/1/photo.jpg", b"\xff\xd8" + b"0" * 5000, "image/jpeg"
                )
            seconds = time.monotonic() - started
        self.assertIn("timeout", str(raised.exception).lower())
        attempts = config.retries["total_max_attempts"]
        self.assertEqual(len(self.server.connections), attempts)
        # Each attempt waits out the read timeout; between them botocore backs
        # off up to a second. Not 3 x 60 s.
        self.assertGreaterEqual(seconds, attempts * read_timeout)
        self.assertLess(seconds, attempts * read_timeout + 3)
