"""The bits of pages about emails (photos.notifications): the upload card's
"Get the album link when it's ready" and the album settings' section on the
hosts' emails of what is new."""

from django import template
from django.utils import timezone

from albums.models import Album
from photos import email_views, guests, notifications
from photos.models import HostEmailOptOut

register = template.Library()


@register.inclusion_tag("photos/_guest_email.html", takes_context=True)
def guest_email_offer(context, album):
    """The upload card's offer of the album's link by email, for whoever may
    add photos but doesn't host the album, until the link is ready (then
    they have the album in front of them). Hidden until they added a photo
    (static/js/guest_email.js shows it after their first); once they left an
    address, a line saying the link will come."""
    request = context.get("request")
    if (
        request is None
        or album.is_hosted_by(request.user)
        or notifications.links_due(album)
    ):
        return {"offer": False}
    user = request.user
    guest_key = guests.key(request)
    noted = email_views.left_email(request, album, guest_key)
    initial = {"email": user.email} if user.is_authenticated else {}
    return {
        "offer": True,
        "album": album,
        "noted": noted,
        "shown": noted or email_views.has_added(album, user, guest_key),
        "when": notifications.guest_link_when(album, timezone.now()),
        "form": email_views.GuestEmailForm(initial=initial),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("photos/_host_emails.html", takes_context=True)
def host_emails_section(context, album):
    """The album settings' section on the emails of what is new, for a host
    (owner or co-host): on or off for this album, and for them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (user.pk == album.user_id or album.is_cohost(user)):
        return {"shown": False}
    return {
        "shown": True,
        "album": album,
        "off": album.notify == Album.NOTIFY_OFF,
        "hourly": album.notify == Album.NOTIFY_HOURLY,
        "opted_out": HostEmailOptOut.objects.filter(album=album, user=user).exists(),
        "has_email": bool(user.email),
        "csrf_token": context.get("csrf_token"),
    }
