"""Pending take-down requests, for the pages that show them (album settings,
the album page for its owner, the admin index for staff)."""

from django import template

from photos.models import TakedownRequest

register = template.Library()


@register.simple_tag
def pending_takedowns(album):
    requests = list(
        TakedownRequest.objects.pending()
        .filter(photo__album=album)
        .select_related("photo")
    )
    for takedown in requests:
        takedown.photo.album = album
    return requests


@register.simple_tag
def pending_takedown_count(album=None):
    """How many requests wait for an answer: for `album`, or on the whole site."""
    requests = TakedownRequest.objects.pending()
    if album is not None:
        requests = requests.filter(photo__album=album)
    return requests.count()
