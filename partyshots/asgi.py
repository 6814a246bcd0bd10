"""The ASGI application the web process serves (partyshots/server.py):
Django's WSGI application behind core.asgi's front, which reads request
bodies without holding a thread."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyshots.settings")

from core.asgi import WSGIBridge  # noqa: E402 (needs the settings module set)
from partyshots.server import config  # noqa: E402

application = WSGIBridge(get_wsgi_application(), threads=config()["threads"])
