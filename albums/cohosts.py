"""Co-hosts: the owner invites a second host with a one-time link
(CoHostInvitation), the person who opens it logged in accepts, and the album
settings list the co-hosts with Remove (the owner) or Leave (the co-host).

Inviting, revoking and removing are the owner's (get_album_for_owner_or_404);
everyone else gets the same 404 as for an unknown code. An invitation link
works once, for COHOST_INVITATION_DAYS, until the owner revokes it; a link
that no longer works says why (410), an unknown one says it opens nothing
(404), and both say to ask the host for a new one.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from albums.access import get_album_for_host_or_404, get_album_for_owner_or_404
from albums.models import Album, CoHost, CoHostInvitation
from albums.previews import absolute

# Invitations waiting to be accepted, per album: enough for any wedding, few
# enough that a page of links stays readable.
MAX_PENDING_INVITATIONS = 10
SETTINGS_ANCHOR = "#cohosts-heading"


def pending_invitations(album, now=None):
    """The album's invitations that still work: not accepted, not revoked,
    not expired (CoHostInvitation.is_usable, as a query), newest first."""
    return album.invitations.filter(
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    ).order_by("-created_at", "-pk")


def user_name(user):
    """How a host is named on these pages: their display name and username."""
    if user.first_name:
        # Translators: a person's display name, then their username.
        return _("%(name)s (%(username)s)") % {
            "name": user.first_name,
            "username": user.get_username(),
        }
    return user.get_username()


def host_name(album):
    """Who the album is hosted by, in words: its "Hosted by" name, else the
    owner's display name or username."""
    return album.host_name or album.user.first_name or album.user.get_username()


def settings_context(request, album):
    """The album settings' co-host section (templates/albums/_cohosts.html):
    the co-hosts, and for the owner the invitations still pending with their
    links, absolute, and when each expires."""
    is_owner = album.is_owned_by(request.user)
    cohosts = list(album.cohosts.select_related("user").order_by("created_at", "pk"))
    for cohost in cohosts:
        cohost.name = user_name(cohost.user)
    invitations = []
    if is_owner:
        now = timezone.now()
        invitations = list(pending_invitations(album, now))
        for invitation in invitations:
            invitation.link = absolute(request, invitation.get_absolute_url())
            invitation.expires_words = album.in_words(invitation.expires_at, now)
    return {
        "is_owner": is_owner,
        "owner_name": user_name(album.user),
        "cohosts": cohosts,
        "invitation_days": settings.COHOST_INVITATION_DAYS,
        "invitations": invitations,
        "invitation_limit": MAX_PENDING_INVITATIONS,
        "can_invite": is_owner and len(invitations) < MAX_PENDING_INVITATIONS,
    }


def _lock(album):
    """Lock the album's row until the transaction ends (as an upload does,
    FOR NO KEY UPDATE); False if it is gone or in the trash."""
    return bool(
        Album.objects.select_for_update(no_key=True)
        .filter(pk=album.pk)
        .values_list("pk", flat=True)
    )


def _to_settings(album):
    return redirect(reverse("album_settings", args=[album.code]) + SETTINGS_ANCHOR)


@require_POST
def cohost_invite(request, code):
    """The owner makes a one-time invitation link; the settings list it to copy."""
    album = get_album_for_owner_or_404(request, code)
    with transaction.atomic():
        # One owner inviting twice at once can't pass the limit together.
        _lock(album)
        if pending_invitations(album).count() >= MAX_PENDING_INVITATIONS:
            return render(
                request,
                "albums/cohost_refused.html",
                {
                    "album": album,
                    "title": _("Too many invitations waiting"),
                    "message": ngettext(
                        "%(album)s already has %(count)s co-host invitation "
                        "waiting to be accepted, the most it can have. Revoke it "
                        "if you no longer need it, or wait until it is accepted or "
                        "expires, then invite again.",
                        "%(album)s already has %(count)s co-host invitations "
                        "waiting to be accepted, the most it can have. Revoke one "
                        "you no longer need, or wait until one is accepted or "
                        "expires, then invite again.",
                        MAX_PENDING_INVITATIONS,
                    )
                    % {"album": album.name, "count": MAX_PENDING_INVITATIONS},
                },
                status=409,
            )
        invitation = CoHostInvitation.objects.create(album=album)
    messages.success(
        request,
        _(
            # Translators: %(when)s is a moment after "until", such as "Sunday at
            # 18:00".
            "New co-host invitation: copy its link below and send it to the person "
            "you want as co-host. It works once, until %(when)s."
        )
        % {"when": album.until_words(invitation.expires_at)},
    )
    return _to_settings(album)


@require_POST
def cohost_invitation_revoke(request, code, invitation_id):
    """The owner withdraws an invitation nobody accepted yet: its link stops working."""
    album = get_album_for_owner_or_404(request, code)
    invitation = get_object_or_404(
        album.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True),
        pk=invitation_id,
    )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    messages.success(
        request, _("Invitation revoked: its link no longer makes anyone a co-host.")
    )
    return _to_settings(album)


@require_POST
def cohost_remove(request, code, cohost_id):
    """The owner takes a co-host's powers away; what the code gives anyone stays."""
    album = get_album_for_owner_or_404(request, code)
    cohost = get_object_or_404(album.cohosts.select_related("user"), pk=cohost_id)
    cohost.delete()
    messages.success(
        request,
        _(
            "%(user)s is no longer a co-host of %(album)s: they can open it only as "
            "anyone with the code can."
        )
        % {"user": user_name(cohost.user), "album": album.name},
    )
    return _to_settings(album)


@require_POST
def cohost_leave(request, code):
    """A co-host stops co-hosting (only a co-host: the owner can't leave)."""
    album = get_album_for_host_or_404(request, code)
    cohost = get_object_or_404(album.cohosts, user_id=request.user.pk)
    cohost.delete()
    messages.success(
        request,
        _(
            "You no longer co-host %(album)s: it is off your home page, and you can "
            "open it only with its code or link."
        )
        % {"album": album.name},
    )
    return redirect("home")


def _invitation(token):
    """The invitation with this token and its album, or None (also when the
    album is in the trash)."""
    invitation = (
        CoHostInvitation.objects.select_related("album", "album__user")
        .filter(token=token, album__deleted_at__isnull=True)
        .first()
    )
    return invitation


def _refused(request, invitation):
    """The page for a link that makes nobody a co-host: 404 for one that
    never existed (or whose album is gone), 410 for one used, revoked or
    expired, each saying which."""
    context = {"invitation": invitation}
    if invitation is None:
        context["reason"] = _(
            "This co-host link doesn't open any album. Check that you copied all of it."
        )
        status = 404
    else:
        album = invitation.album
        context["album"] = album
        if invitation.accepted_at is not None:
            context["reason"] = _(
                "This co-host link has already been used: it works once."
            )
        elif invitation.revoked_at is not None:
            context["reason"] = _("The host withdrew this co-host link.")
        else:
            # Translators: %(when)s is a moment such as "on Sunday at 18:00".
            context["reason"] = _("This co-host link expired %(when)s.") % {
                "when": album.in_words(invitation.expires_at)
            }
        context["is_host"] = album.is_hosted_by(request.user)
        status = 410
    return render(request, "albums/cohost_invalid.html", context, status=status)


def _accepted_by(invitation, user):
    return user.is_authenticated and invitation.accepted_by_id == user.pk


@require_http_methods(["GET", "HEAD", "POST"])
def cohost_accept(request, token):
    """Where an invitation link leads. GET: who invites to what, and a button
    (or the links to log in or sign up first, which come back here). POST:
    the logged-in user becomes a co-host, the invitation is used up."""
    invitation = _invitation(token)
    if invitation is None:
        return _refused(request, None)
    album = invitation.album
    user = request.user
    if request.method != "POST":
        if not invitation.is_usable() and not _accepted_by(invitation, user):
            return _refused(request, invitation)
        if not user.is_authenticated:
            state = "log_in"
        elif user.pk == album.user_id:
            state = "own"
        elif album.is_cohost(user):
            state = "already"
        else:
            state = "ready"
        return render(
            request,
            "albums/cohost_accept.html",
            {
                "album": album,
                "host": host_name(album),
                "state": state,
                "path": request.path,
            },
        )
    if not user.is_authenticated:
        return redirect_to_login(request.path)
    if user.pk == album.user_id:
        messages.info(
            request,
            _(
                "This invitation is for a co-host of your own album, %(album)s: "
                "send its link to the person you want as co-host. It still works."
            )
            % {"album": album.name},
        )
        return _to_settings(album)
    with transaction.atomic():
        # Two tabs (or two people) accepting at once: the second waits here
        # and finds the invitation used. The album's row first, as a delete
        # locks it before its invitations go (AlbumQuerySet.lock_for_delete).
        locked = _lock(album) and (
            CoHostInvitation.objects.select_for_update()
            .filter(pk=invitation.pk)
            .first()
        )
        if not locked:
            return _refused(request, None)
        invitation = locked
        if not invitation.is_usable():
            if _accepted_by(invitation, user):
                messages.info(
                    request, _("You co-host %(album)s already.") % {"album": album.name}
                )
                return redirect(album)
            invitation.album = album
            return _refused(request, invitation)
        if album.cohosts.filter(user=user).exists():
            # Left usable: the link may be meant for someone else.
            messages.info(
                request, _("You co-host %(album)s already.") % {"album": album.name}
            )
            return redirect(album)
        CoHost.objects.create(album=album, user=user)
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
    messages.success(
        request,
        _(
            "You co-host %(album)s now: you can change its settings and hide or "
            "delete any photo. It is on your home page."
        )
        % {"album": album.name},
    )
    return redirect(album)
