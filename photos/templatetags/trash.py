"""The album page's link to its trash (photos.trash), for those who have
something there to restore: the hosts, and uploaders (a guest by their
guest cookie) with photos of their own in it."""

from django import template

from photos import guests, trash

register = template.Library()


@register.simple_tag(takes_context=True)
def album_trash_count(context, album):
    """How many of the album's trashed photos the requester may restore (no
    query for a visitor without an account or a guest cookie)."""
    request = context.get("request")
    if request is None:
        return 0
    return trash.restorable(album, request.user, guests.key(request)).count()
