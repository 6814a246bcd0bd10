"""The Celery app: background work (processing uploads) on workers, with Redis
as the broker. Tasks take ids only and are enqueued after the transaction
that made their rows commits (transaction.on_commit). Settings come from
Django's, prefixed CELERY_ (partyshots/settings.py); without a broker they run
in the web process right after the request commits."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyshots.settings")

app = Celery("partyshots")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
