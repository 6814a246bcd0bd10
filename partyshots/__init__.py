# Loaded with Django, so @shared_task binds to this app and tasks enqueue.
from partyshots.celery import app as celery_app

__all__ = ("celery_app",)
