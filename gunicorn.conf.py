"""Gunicorn settings, read from the working directory by `gunicorn partyshots.wsgi`
(the Procfile). Each can be overridden on the command line or with GUNICORN_CMD_ARGS.

Why threads: a guest on a weak party Wi-Fi trickles a 10 MB photo upload for
minutes. With the sync worker that one upload holds a whole worker process;
with gthread it holds one thread of it, and gunicorn's main loop keeps
connections that haven't sent their request yet (slow headers, idle
keep-alive) out of the thread pool altogether. A buffering proxy in front
(the platform's router, nginx) protects better still; `timeout` kills a
worker whose main loop hangs, it doesn't bound one request."""

import multiprocessing
import os

# WEB_CONCURRENCY is what Heroku-style platforms set for the dyno size.
workers = int(
    os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8))
)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))

# A worker silent this long is killed and replaced; a graceful restart gives
# running requests (uploads, ZIP downloads) this long to finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Idle keep-alive connections wait in the main loop, not in a thread; a
# little longer than nothing lets a phone reuse its TLS connection.
keepalive = 5

# Request line and headers: small and few (no legitimate request here needs
# more), so a client can't make us buffer large headers.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# Recycle workers now and then (staggered) so slow leaks can't build up.
max_requests = 1000
max_requests_jitter = 100
