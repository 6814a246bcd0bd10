"""The production web process, as the Procfile starts it:

    python -m partyshots.server                   # on $PORT (8000), all interfaces
    python -m partyshots.server --bind 127.0.0.1:8001
    python -m partyshots.server --print-config    # the settings below, resolved

granian (a Rust HTTP server) serves partyshots.asgi over HTTP/1.1: it reads
request lines and headers itself, and core.asgi reads bodies on the event
loop and gives Django a thread only for a request that has fully arrived,
so slow or idle connections hold a socket, never a Django thread. Every
setting comes from the environment (README, Configuration):

- WEB_CONCURRENCY processes (default 2 x cores + 1, at most 8), each with
  WEB_THREADS threads for Django (default 4);
- WEB_HEADER_TIMEOUT seconds (default 10) for a request's line and headers
  to arrive, from the moment the connection opens or, on a kept-alive
  connection, from the end of the last response: it is the idle keep-alive
  timeout too;
- REQUEST_BODY_TIMEOUT (Django setting, core.asgi): a body that sends
  nothing that long is dropped;
- WEB_MAX_CONNECTIONS open connections per process (default 500); past it
  new ones wait in the listen queue (WEB_BACKLOG, 1024) until one closes;
- request line and headers: at most 100 fields, and about 110 KB together
  (granian's HTTP/1 buffer of 64 KiB and what it reads ahead): 431 past either;
- WEB_GRACEFUL_TIMEOUT seconds (default 30) for requests in flight when a
  process is stopped (a deploy, a restart), then it is killed; a process
  that dies is started again.
"""

import argparse
import json
import os
import sys

TARGET = "partyshots.asgi:application"
HTTP1_BUFFER = 64 * 1024


def default_workers():
    return min((os.cpu_count() or 1) * 2 + 1, 8)


def config(environ=None):
    """The web process's settings, from `environ` (os.environ by default)."""
    env = os.environ if environ is None else environ
    return {
        "host": env.get("WEB_HOST", "0.0.0.0"),
        "port": int(env.get("PORT", 8000)),
        "workers": int(env.get("WEB_CONCURRENCY") or default_workers()),
        "threads": int(env.get("WEB_THREADS", 4)),
        "header_timeout": int(env.get("WEB_HEADER_TIMEOUT", 10)),
        "max_connections": int(env.get("WEB_MAX_CONNECTIONS", 500)),
        "backlog": int(env.get("WEB_BACKLOG", 1024)),
        "graceful_timeout": int(env.get("WEB_GRACEFUL_TIMEOUT", 30)),
        "http1_buffer": HTTP1_BUFFER,
        "log_level": env.get("LOG_LEVEL", "INFO").lower(),
    }


def granian_options(settings):
    """The keyword arguments for granian.Granian that serve `settings`."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    return {
        "target": TARGET,
        "address": settings["host"],
        "port": settings["port"],
        "interface": Interfaces.ASGI,
        # Platforms' routers speak HTTP/1.1 to the app; HTTP/2 would bring
        # its own idle-stream rules for no gain.
        "http": HTTPModes.http1,
        "websockets": False,
        "loop": Loops.asyncio,
        "workers": settings["workers"],
        "backlog": settings["backlog"],
        # granian takes a permit per connection, held until it closes.
        "backpressure": settings["max_connections"],
        "http1_settings": HTTP1Settings(
            header_read_timeout=settings["header_timeout"] * 1000,
            keep_alive=True,
            max_buffer_size=settings["http1_buffer"],
        ),
        "respawn_failed_workers": True,
        "workers_kill_timeout": settings["graceful_timeout"],
        "log_level": LogLevels(settings["log_level"]),
        "log_access": False,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", help="HOST:PORT (default WEB_HOST:PORT)")
    parser.add_argument(
        "--print-config", action="store_true", help="print the settings and exit"
    )
    args = parser.parse_args(argv)
    settings = config()
    if args.bind:
        host, _, port = args.bind.rpartition(":")
        settings["host"], settings["port"] = host.strip("[]") or "0.0.0.0", int(port)
    if args.print_config:
        print(json.dumps(settings, indent=2, sort_keys=True))
        return
    # The workers read WEB_THREADS (partyshots.asgi) from the environment.
    os.environ["WEB_THREADS"] = str(settings["threads"])
    from granian import Granian

    Granian(**granian_options(settings)).serve()


if __name__ == "__main__":
    sys.exit(main())
