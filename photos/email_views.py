"""The pages and forms around emails (photos.notifications sends them): a
guest leaving their address for the album's link, the one-click unsubscribe
links of both kinds of email, and a host turning this album's emails off
and on again from its settings."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from albums.access import get_album_for_host_or_404, get_album_or_404
from albums.models import Album
from core import ratelimit
from core.http import wants_json
from photos import guests, notifications
from photos.models import GuestEmail, HostEmailOptOut, Photo, Upload

# Albums (ids) this session left an email for: the upload card says so.
SESSION_GUEST_EMAIL_ALBUMS = "guest_email_albums"
# In English here (tests compare them); translated where they are used.
ONE_LINE = gettext_noop(
    "Type one email address, on one line (line breaks aren't allowed)."
)
NOT_AN_ADDRESS = gettext_noop("Type a whole email address, like name@example.com.")


class OneLineEmailField(forms.EmailField):
    """An email address, refused outright when it holds a line break (before
    the usual trimming could hide one): an address is never more than a
    line, and a header built from one must not grow another."""

    def to_python(self, value):
        if isinstance(value, str) and ("\r" in value or "\n" in value):
            raise ValidationError(_(ONE_LINE), code="newline")
        return super().to_python(value)


class GuestEmailForm(forms.Form):
    email = OneLineEmailField(
        label=gettext_lazy("Your email"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Type your email address."),
            "invalid": gettext_lazy(NOT_AN_ADDRESS),
            "max_length": gettext_lazy("An email address is at most 254 characters."),
        },
        widget=forms.EmailInput(
            # Translators: an example email address, in an empty email field.
            attrs={
                "autocomplete": "email",
                "placeholder": gettext_lazy("name@example.com"),
            }
        ),
    )


def _own(user, guest_key):
    """What marks rows as this person's: their account, or their guest key."""
    if user.is_authenticated:
        return Q(user=user)
    if guest_key:
        return Q(user__isnull=True, guest_key=guest_key)
    return None


def has_added(album, user, guest_key):
    """Whether this person added a photo or video to the album (or has one
    on its way): only they are offered the album's link by email."""
    own = _own(user, guest_key)
    if own is None:
        return False
    # One query whatever the answer (the album page's count stays put).
    photos = Photo.all_objects.filter(own, album=album)
    uploads = Upload.objects.filter(own, album=album).exclude(status=Upload.REJECTED)
    return Album.all_objects.filter(
        Exists(photos) | Exists(uploads), pk=album.pk
    ).exists()


def left_email(request, album, guest_key):
    """Whether this person left an address for the album's link."""
    if album.pk in request.session.get(SESSION_GUEST_EMAIL_ALBUMS, ()):
        return True
    own = _own(request.user, guest_key)
    return own is not None and album.guest_emails.filter(own).exists()


def _noted(album):
    # Translators: %(when)s is "in a few minutes", "when the hosts reveal the
    # photos", "when uploads close, on Sunday at 18:00" and the like.
    return _("We'll email you the link %(when)s.") % {
        "when": notifications.guest_link_when(album)
    }


def _answer(request, album, status, form, *, message="", error=""):
    """JSON for the upload card's script; else the album page with a message,
    or the form again with what is wrong."""
    if wants_json(request):
        body = {"error": error} if error else {"message": message}
        return JsonResponse(body, status=status)
    if error:
        context = {
            "album": album,
            "form": form,
            "error": error,
            "when": notifications.guest_link_when(album),
        }
        return render(request, "photos/guest_email.html", context, status=status)
    messages.success(request, message)
    return redirect(album)


@require_POST
@ratelimit.limit("guest-email-client")
def guest_email(request, code):
    """A guest's address for the album's link ("Get the album link when it's
    ready", on the upload card after their first upload): kept for this
    album only, once per address; the link goes once it is ready
    (photos.notifications.links_due), at once if it is already."""
    album = get_album_or_404(request, code)
    guest_key = guests.key(request)
    form = GuestEmailForm(request.POST)
    if not form.is_valid():
        return _answer(request, album, 400, form, error=" ".join(form.errors["email"]))
    if not has_added(album, request.user, guest_key):
        return _answer(
            request,
            album,
            403,
            form,
            error=_(
                "Add a photo or video to the album first: the link by email is "
                "for the guests who added theirs."
            ),
        )
    # Lower-cased before the lookup and the insert: the unique (album,
    # email) then holds for A@x.org and a@x.org posted at once.
    address = notifications.normalize_email(form.cleaned_data["email"])
    # The same address again (from anyone) changes nothing, and the answer
    # is the same whether it was there: it tells nobody who else left theirs.
    if not album.guest_emails.filter(email__iexact=address).exists():
        user = request.user if request.user.is_authenticated else None
        try:
            with transaction.atomic():
                GuestEmail.objects.create(
                    album=album,
                    email=address,
                    user=user,
                    guest_key="" if user else guest_key,
                    # Their email with the album's link comes in the language
                    # they read the album in now.
                    language=translation.get_language() or "",
                )
        except IntegrityError:
            pass  # the same address at the same moment: it is there
    noted = set(request.session.get(SESSION_GUEST_EMAIL_ALBUMS, ()))
    request.session[SESSION_GUEST_EMAIL_ALBUMS] = sorted(noted | {album.pk})
    if notifications.links_due(album):
        album_id = album.pk
        transaction.on_commit(lambda: notifications.guest_links_task.delay(album_id))
    return _answer(request, album, 200, form, message=_noted(album))


def _unsubscribe_page(request, context, status=200):
    return render(request, "photos/unsubscribe.html", context, status=status)


# One-click unsubscribe (RFC 8058): a mail provider POSTs to the link in the
# List-Unsubscribe header, without a session or CSRF token. The POST only
# ever unsubscribes, so it is exempt; GET shows a page with the button.


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_guest(request, token):
    """A guest's address removed: the link in the email they got (or will)."""
    guest_email = GuestEmail.objects.filter(token=token).select_related("album").first()
    if request.method == "POST":
        name = guest_email.album.name if guest_email else ""
        if guest_email is not None:
            guest_email.delete()
        return _unsubscribe_page(
            request, {"state": "done", "kind": "guest", "name": name}
        )
    if guest_email is None:
        return _unsubscribe_page(request, {"state": "gone", "kind": "guest"}, 404)
    return _unsubscribe_page(
        request,
        {
            "state": "confirm",
            "kind": "guest",
            "name": guest_email.album.name,
            "sent": guest_email.sent_at is not None,
        },
    )


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_host(request, token):
    """A host's emails of what is new in one album turned off: the link in
    each of them (a signed album and user; it doesn't expire)."""
    found = notifications.read_host_unsubscribe_token(token)
    album = user = None
    if found is not None:
        album = Album.all_objects.filter(pk=found[0]).first()
        user = get_user_model().objects.filter(pk=found[1]).first()
    if album is None or user is None:
        return _unsubscribe_page(request, {"state": "gone", "kind": "host"}, 404)
    context = {
        "kind": "host",
        "name": album.name,
        "settings_url": reverse("album_settings", args=[album.code]),
    }
    if request.method == "POST":
        HostEmailOptOut.objects.get_or_create(album=album, user=user)
        return _unsubscribe_page(request, {**context, "state": "done"})
    opted_out = HostEmailOptOut.objects.filter(album=album, user=user).exists()
    state = "done" if opted_out else "confirm"
    return _unsubscribe_page(request, {**context, "state": state})


@require_POST
def album_emails(request, code):
    """A host turns this album's emails of what is new off (subscribe=0) or
    on again (subscribe=1), from the album's settings."""
    album = get_album_for_host_or_404(request, code)
    if request.POST.get("subscribe") == "1":
        HostEmailOptOut.objects.filter(album=album, user=request.user).delete()
        messages.success(
            request,
            _("You get the emails of what is new in %(album)s again.")
            % {"album": album.name},
        )
    else:
        HostEmailOptOut.objects.get_or_create(album=album, user=request.user)
        messages.success(
            request,
            _("You no longer get the emails of what is new in %(album)s.")
            % {"album": album.name},
        )
    return redirect(reverse("album_settings", args=[album.code]) + "#emails")
