"""The authorization matrix: every URL in the URLconf, as every kind of
visitor, for GET and POST, with the status each must get.

The URLconf is enumerated, so a new view without an entry in PERMISSIONS
fails test_every_url_has_an_entry. Each cell runs inside a savepoint that is
rolled back, with the client's cookies put back afterwards, so a POST that
deletes, merges or logs out leaves nothing behind for the next cell.

Both of an album's modes (issue 18): PERMISSIONS is the see-all mode, and
test_drop_box_matrix runs the URLs of the album again with the album as a
drop box before its reveal, DROP_BOX_PERMISSIONS saying what changes.
"""

import io
import itertools
import zipfile
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from albums.models import Album, CoHost, CoHostInvitation
from albums.tests.base import BaseTestCase, make_image_bytes, store_photo, stored_keys
from photos.models import GuestEmail, TakedownRequest
from photos.notifications import host_unsubscribe_token

ROLES = (
    "anonymous",
    "guest",
    "stranger",
    "follower",
    "uploader",
    "owner",
    "staff",
    "cohost",
)

# Left out of the matrix on purpose, each with the reason.
SKIPPED_NAMESPACES = {
    "admin": "the Django admin has its own tests (photos/tests/test_admin_photos.py, "
    "albums/tests/test_admin_albums.py, accounts/tests/test_admin_users.py)",
}
SKIPPED_NAMES = {
    "upload_part": "the local storage's stand-in for S3's pre-signed PUT: access "
    "is by signature, not by role (photos/tests/test_upload_finish.py)",
    "media": "local signed storage URLs: access is by signature, not by role "
    "(photos/tests/test_media.py)",
}


def statuses(spec):
    """'302 200 ...' in ROLES order, or one status for every role, as {role: status}."""
    codes = [int(code) for code in spec.split()]
    if len(codes) == 1:
        codes *= len(ROLES)
    assert len(codes) == len(ROLES), spec
    return dict(zip(ROLES, codes, strict=True))


@dataclass
class Entry:
    """How to call one URL name and what each role gets.

    `args` is what the URL takes: "" (nothing), "code", "link" (the album's
    link token), "photo" (code and a photo id), "follow" (code and a follower's
    Subs id), "takedown" (code and a take-down request id), "upload" (code and
    an upload's token), "reset" (a password-reset uid and token), "invitation"
    (a pending co-host invitation's token), "invitation_id" (code and its id),
    "cohost" (code and the co-host's CoHost id), "trashed_album" (the owner's
    album in the trash, by id), "trashed_photo" (code and the id of a photo in
    the album's trash), "email_token" (a guest's email's unsubscribe token) or
    "host_token" (the owner's signed unsubscribe token for the album). `data`
    makes the POST data from the test case and the role's user; valid data, so
    an allowed POST really acts."""

    args: str
    get: str
    post: str
    data: object = field(default=lambda case, user: {})
    query: object = field(default=lambda case: "")


def _signup(case, user):
    return {
        "first_name": "Newcomer",
        "email": "newcomer@example.org",
        "password": "a long fresh passphrase",
    }


def _password_change(case, user):
    return {
        "old_password": "password",
        "new_password1": "a long fresh passphrase",
        "new_password2": "a long fresh passphrase",
    }


def _upload(case, user):
    return {
        "photos": SimpleUploadedFile(
            "new.jpg", make_image_bytes(color=(1, 2, 3)), content_type="image/jpeg"
        )
    }


def _album_settings(case, user):
    return {"name": "Renamed", "uploads_open": "on", "guest_uploads": "on"}


def _guest_email(case, user):
    return {"email": "guest@example.org"}


# Role order in every status string:
#   anonymous guest stranger follower uploader owner staff cohost
# "photo" and "trashed_photo" URLs address the requester's own upload for guest
# and uploader, else the uploader's photo. Hosts (Album.is_hosted_by) are the
# owner, staff and co-hosts; deleting or merging the album and managing its
# co-hosts stay the owner's (and staff's).
OWNER_ONLY_GET = "404 404 404 404 404 200 200 404"
OWNER_ONLY_POST = "404 404 404 404 404 302 302 404"
HOSTS_GET = "404 404 404 404 404 200 200 200"
HOSTS_POST = "404 404 404 404 404 302 302 302"
LOGGED_IN_GET = "302 302 200 200 200 200 200 200"
LOGGED_IN_POST = "302 302 302 302 302 302 302 302"
EDITORS_GET = "403 200 403 403 200 200 200 200"
EDITORS_POST = "403 302 403 403 302 302 302 302"

PERMISSIONS = {
    # accounts
    "signup": Entry("", "200 200 302 302 302 302 302 302", "302", _signup),
    "login": Entry(
        "",
        "200 200 302 302 302 302 302 302",
        "302",
        lambda case, user: {"username": "bob", "password": "password"},
    ),
    "logout": Entry("", "405", "302"),
    "account": Entry(
        "",
        LOGGED_IN_GET,
        LOGGED_IN_POST,
        lambda case, user: (
            {"username": user.username, "email": user.email} if user else {}
        ),
    ),
    "account_delete": Entry(
        "", LOGGED_IN_GET, LOGGED_IN_POST, lambda case, user: {"password": "password"}
    ),
    "password_change": Entry("", LOGGED_IN_GET, LOGGED_IN_POST, _password_change),
    "password_change_done": Entry("", LOGGED_IN_GET, "302 302 405 405 405 405 405 405"),
    "password_reset": Entry(
        "", "200", "302", lambda case, user: {"email": "alice@example.org"}
    ),
    "password_reset_done": Entry("", "200", "405"),
    # A valid link moves the token into the session and redirects to the form, for GET and POST.
    "password_reset_confirm": Entry("reset", "302", "302"),
    "password_reset_complete": Entry("", "200", "405"),
    # languages: the switcher posts to Django's set_language; static/js reads
    # its translations from the catalog.
    # GET only redirects to `next` (Django's set_language changes nothing then).
    "set_language": Entry(
        "", "302", "302", lambda case, user: {"language": "de", "next": "/"}
    ),
    "javascript_catalog": Entry("", "200", "405"),
    # albums
    "home": Entry("", "200", "405"),
    "join": Entry(
        "",
        "302",
        "302",
        lambda case, user: {"code": case.album.code},
        query=lambda case: f"?code={case.album.code}",
    ),
    # "Name your event": the form for anyone logged in (where sign-up leads).
    "album_create": Entry(
        "",
        LOGGED_IN_GET,
        LOGGED_IN_POST,
        lambda case, user: {"name": "Another party"},
    ),
    "album": Entry("code", "200", "405"),
    # The album's link and QR code: anyone with the token gets the album.
    "album_by_link": Entry("link", "302", "405"),
    # Its cover for link previews: anyone with the token, crawlers included.
    "album_cover_image": Entry("link", "302", "405"),
    "album_follow": Entry("code", "302 302 405 405 405 405 405 405", LOGGED_IN_POST),
    "album_unfollow": Entry("code", "302 302 405 405 405 405 405 405", LOGGED_IN_POST),
    "album_share": Entry("code", "200", "405"),
    "album_qr": Entry("code", "200", "405"),
    "album_settings": Entry("code", HOSTS_GET, HOSTS_POST, _album_settings),
    # GET: what a reveal shows, and the button; POST in the see-all mode:
    # "nothing to reveal" (the drop box: DROP_BOX_PERMISSIONS runs it too).
    "album_reveal": Entry("code", HOSTS_GET, HOSTS_POST),
    "album_cover": Entry(
        "code",
        HOSTS_GET,
        HOSTS_POST,
        lambda case, user: {"photo": case.photo.pk},
    ),
    # GET: the page that says what a new code stops, and asks first.
    "album_new_code": Entry("code", HOSTS_GET, HOSTS_POST),
    "album_follower_remove": Entry("follow", "405", HOSTS_POST),
    # Co-hosts: the owner invites, revokes and removes; a co-host leaves.
    "cohost_invite": Entry("code", "405", OWNER_ONLY_POST),
    "cohost_invitation_revoke": Entry("invitation_id", "405", OWNER_ONLY_POST),
    "cohost_remove": Entry("cohost", "405", OWNER_ONLY_POST),
    "cohost_leave": Entry("code", "405", "404 404 404 404 404 404 404 302"),
    # The invitation link: a page for anyone who has it. POST: anonymous
    # visitors go to log in, the owner to the settings, the co-host is told
    # "already", anyone else logged in becomes a co-host.
    "cohost_accept": Entry("invitation", "200", "302"),
    # GET with ?other=: the page that says what the merge moves and deletes
    # (the chooser without it: albums/tests/test_album_merge.py).
    "album_merge": Entry(
        "code",
        OWNER_ONLY_GET,
        OWNER_ONLY_POST,
        lambda case, user: {"other": case.same_owner_album.pk},
        query=lambda case: f"?other={case.same_owner_album.pk}",
    ),
    "album_delete": Entry("code", OWNER_ONLY_GET, OWNER_ONLY_POST),
    # photos
    "upload": Entry("code", "405", "201", _upload),
    # Uploads straight to storage: found by their long token, like a link.
    "upload_start": Entry(
        "code",
        "405",
        "201",
        lambda case, user: {"name": "new.jpg", "size": "1000", "type": "image/jpeg"},
    ),
    "upload_status": Entry("upload", "200", "405"),
    "upload_parts": Entry("upload", "200", "405"),
    "upload_sign": Entry("upload", "405", "200", lambda case, user: {"part": "1"}),
    "upload_finish": Entry("upload", "405", "409"),
    # A guest's name from the upload card; accounts are named by themselves.
    "upload_guest_name": Entry(
        "code",
        "405",
        "200 200 400 400 400 400 400 400",
        lambda case, user: {"guest_name": "Dana"},
    ),
    "album_photos_json": Entry("code", "200", "405"),
    # Files to save to a phone: whoever may see the album, what they may see.
    "album_save_json": Entry(
        "code", "200", "405", query=lambda case: f"?ids={case.photo.pk}"
    ),
    "album_download": Entry("code", "200", "405"),
    "slideshow": Entry("code", "200", "405"),
    "photo": Entry("photo", "200", "405"),
    "photo_download": Entry("photo", "302", "405"),
    "photo_delete": Entry("photo", EDITORS_GET, EDITORS_POST),
    "photo_description": Entry(
        "photo", "405", EDITORS_POST, lambda case, user: {"description": "Cake!"}
    ),
    "photo_hide": Entry("photo", "405", HOSTS_POST),
    "photo_unhide": Entry("photo", "405", HOSTS_POST),
    "photo_takedown": Entry(
        "photo", "200", "302", lambda case, user: {"reason": "That is me."}
    ),
    "bulk_moderation": Entry(
        "code",
        "405",
        HOSTS_POST,
        lambda case, user: {"action": "hide", "photos": [case.photo.pk]},
    ),
    "takedown_remove": Entry("takedown", "405", HOSTS_POST),
    "takedown_dismiss": Entry("takedown", "405", HOSTS_POST),
    # The trash: your Trash page, your albums in it (the owner's alone: staff
    # restore from the admin), and an album's trash, where the hosts restore
    # or delete for good and an uploader restores their own.
    "trash": Entry("", LOGGED_IN_GET, "302 302 405 405 405 405 405 405"),
    "trash_album_restore": Entry(
        "trashed_album",
        "302 302 405 405 405 405 405 405",
        "302 302 404 404 404 302 404 404",
    ),
    "trash_album_delete": Entry(
        "trashed_album",
        "302 302 404 404 404 200 404 404",
        "302 302 404 404 404 302 404 404",
    ),
    # Everyone gets the page; it lists what they may restore (maybe nothing).
    "album_trash": Entry("code", "200", "405"),
    "album_trash_restore": Entry(
        "trashed_photo", "405", "404 302 404 404 302 302 302 302"
    ),
    "album_trash_delete": Entry("trashed_photo", HOSTS_GET, HOSTS_POST),
    # Emails: a guest who added a photo leaves their address for the album's
    # link; a host turns the album's emails off; the one-click unsubscribe
    # links work for whoever has them (and are CSRF_EXEMPT).
    "guest_email": Entry(
        "code", "405", "403 302 403 403 302 403 403 403", _guest_email
    ),
    "album_emails": Entry(
        "code", "405", HOSTS_POST, lambda case, user: {"subscribe": "0"}
    ),
    "unsubscribe_guest": Entry("email_token", "200", "200"),
    "unsubscribe_host": Entry("host_token", "200", "200"),
}

# The album as a drop box before its reveal: what answers differently from
# PERMISSIONS (test_drop_box_matrix runs every other URL of the album with its
# see-all entry). Someone else's photo is as if it weren't there (404) for
# everyone but the hosts; the slideshow is the hosts' (the rest get the page
# that says when the photos come, 403); the cover makes no link preview.
# The JSON, the files to save and the ZIP answer everyone, with only what
# each may see (test_each_person_sees_what_the_mode_shows).
SEES_PHOTO_GET = "404 200 404 404 200 200 200 200"
SEES_PHOTO_POST = "404 302 404 404 302 302 302 302"
DROP_BOX_PERMISSIONS = {
    "album_cover_image": Entry("link", "404", "405"),
    "slideshow": Entry("code", "403 403 403 403 403 200 200 200", "405"),
    "photo": Entry("photo", SEES_PHOTO_GET, "405"),
    "photo_download": Entry("photo", "404 302 404 404 302 302 302 302", "405"),
    "photo_delete": Entry("photo", SEES_PHOTO_GET, SEES_PHOTO_POST),
    "photo_description": Entry(
        "photo", "405", SEES_PHOTO_POST, lambda case, user: {"description": "Cake!"}
    ),
    "photo_takedown": Entry(
        "photo",
        SEES_PHOTO_GET,
        SEES_PHOTO_POST,
        lambda case, user: {"reason": "That is me."},
    ),
}


def _slideshow_key(case):
    return f"?key={case.album.slideshow_token}"


# More calls to URLs of PERMISSIONS, each another way in: (URL name, entry),
# for the see-all mode and the drop box.
VARIANTS = [
    # The hosts' slideshow link: a screen nobody logs in on shows the album.
    ("slideshow", Entry("code", "200", "405", query=_slideshow_key)),
    ("album_photos_json", Entry("code", "200", "405", query=_slideshow_key)),
]
DROP_BOX_VARIANTS = [
    *VARIANTS,
    # A wrong key is no key.
    (
        "slideshow",
        Entry(
            "code",
            "403 403 403 403 403 200 200 200",
            "405",
            query=lambda case: "?key=not-the-key",
        ),
    ),
]
# The roles whose answers a drop box may change where DROP_BOX_PERMISSIONS
# says nothing: all but the owner and staff, who have every power in either
# mode (Album.is_owned_by); the co-host stands for the hosts.
MODE_ROLES = ("anonymous", "guest", "stranger", "follower", "uploader", "cohost")
# Which of the album's photos each role sees (the uploader's, "photo", and the
# guest's, "guest"), by mode: in a drop box before its reveal, guest and
# uploader their own, the hosts all, anyone else none.
SEES = {
    Album.SEE_ALL: dict.fromkeys(ROLES, {"photo", "guest"}),
    Album.DROP_BOX: {
        **dict.fromkeys(ROLES, set()),
        "guest": {"guest"},
        "uploader": {"photo"},
        **dict.fromkeys(("owner", "staff", "cohost"), {"photo", "guest"}),
    },
}
# The args kinds that name the album: the URLs whose answers may depend on its mode.
ALBUM_ARGS = {
    "code",
    "link",
    "upload",
    "photo",
    "follow",
    "takedown",
    "invitation",
    "invitation_id",
    "cohost",
    "trashed_photo",
}

# Views that take a POST without a CSRF token, each with the reason; every
# other POST must carry one (test_posts_without_a_csrf_token_are_refused).
CSRF_EXEMPT = {
    "unsubscribe_guest": "one-click unsubscribe (RFC 8058): a mail provider "
    "POSTs the List-Unsubscribe link without a session; it only unsubscribes",
    "unsubscribe_host": "one-click unsubscribe (RFC 8058), as unsubscribe_guest",
}

# Who a POST really acts for, in test_posts_without_a_csrf_token_are_refused:
# these, and the owner (who may do everything in an album) for the rest.
ACTING_ROLES = {
    "signup": "anonymous",
    "login": "anonymous",
    "password_reset": "anonymous",
    "password_reset_confirm": "anonymous",
    "album_follow": "stranger",
    "album_unfollow": "follower",
    "cohost_accept": "stranger",
    "cohost_leave": "cohost",
    # Only who added a photo may leave an address (the CSRF test's guest
    # client has no guest cookie).
    "guest_email": "uploader",
}


def acting_role(name, entry):
    """The role whose POST to this URL acts, or None if POST isn't allowed to it (405)."""
    role = ACTING_ROLES.get(name, "owner")
    return None if statuses(entry.post)[role] == 405 else role


def url_names(patterns=None, prefix=""):
    """(full route, name) of every named URL pattern, walking includes, less the skipped ones."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            yield from url_names(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name not in SKIPPED_NAMES:
            yield prefix + str(pattern.pattern), pattern.name


class URLPermissionTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dave = User.objects.create_user("dave", "dave@example.org", "password")
        User.objects.filter(pk=cls.staff.pk).update(is_superuser=True)
        cls.staff.refresh_from_db()
        # Albums whose objects must not be reachable through self.album's code.
        cls.same_owner_album = Album.objects.create(
            name="Alice's other party", user=cls.alice
        )
        cls.other_owner_album = Album.objects.create(name="Bob's party", user=cls.bob)
        # The cohost role, and a pending invitation to co-host the album.
        cls.erin = User.objects.create_user("erin", "erin@example.org", "password")
        cls.cohost = CoHost.objects.create(album=cls.album, user=cls.erin)
        cls.invitation = CoHostInvitation.objects.create(album=cls.album)
        # The owner's album in the trash; and someone else's, for id swapping.
        now = timezone.now()
        cls.trashed_album = Album.objects.create(
            name="Alice's old party", user=cls.alice, deleted_at=now
        )
        cls.frank = User.objects.create_user("frank", "frank@example.org", "password")
        cls.others_trashed_album = Album.objects.create(
            name="Frank's old party", user=cls.frank, deleted_at=now
        )
        # A guest's address for the album's link (another than _guest_email's).
        cls.guest_address = GuestEmail.objects.create(
            album=cls.album, email="left@example.org", guest_key="k" * 64
        )
        # Co-hosts and invitations of the other albums, for id swapping.
        cls.foreign_hosting = [
            (
                CoHostInvitation.objects.create(album=album),
                CoHost.objects.create(album=album, user=cls.frank),
            )
            for album in (cls.same_owner_album, cls.other_owner_album)
        ]

    def setUp(self):
        cache.clear()  # rate-limit counters
        self.photo = store_photo(self.album, user=self.dave, filename="dave.jpg")
        self.takedown = TakedownRequest.objects.create(
            photo=self.photo, reason="Not me", ip_hash="x"
        )
        self.trashed_photo = store_photo(
            self.album,
            user=self.dave,
            color=(30, 30, 200),
            filename="dave-deleted.jpg",
            deleted_at=timezone.now(),
        )
        # The uploader's own photos in the other albums (one of them in the
        # trash), for id swapping: args kind -> object.
        self.foreign = []
        for album, (invitation, cohost) in zip(
            (self.same_owner_album, self.other_owner_album),
            self.foreign_hosting,
            strict=True,
        ):
            photo = store_photo(
                album, user=self.dave, color=(9, 9, 9), filename="elsewhere.jpg"
            )
            self.foreign.append(
                {
                    "photo": photo,
                    "takedown": TakedownRequest.objects.create(
                        photo=photo, reason="No", ip_hash="x"
                    ),
                    "invitation_id": invitation,
                    "cohost": cohost,
                    "trashed_photo": store_photo(
                        album,
                        user=self.dave,
                        color=(8, 8, 8),
                        filename="elsewhere-deleted.jpg",
                        deleted_at=timezone.now(),
                    ),
                }
            )

        self.clients = {role: Client() for role in ROLES}
        for role, user in self.users.items():
            if user:
                self.clients[role].force_login(user)
        guest = self.clients["guest"]
        response = guest.post(
            reverse("upload", args=[self.album.code]),
            {
                "photos": SimpleUploadedFile(
                    "guest.jpg",
                    make_image_bytes(color=(10, 200, 30)),
                    content_type="image/jpeg",
                ),
            },
        )
        self.assertEqual(response.status_code, 201)
        self.guest_photo = self.album.photos.get(user=None)
        # The guest's own photo in the trash, theirs by their guest cookie.
        self.guest_trashed_photo = store_photo(
            self.album,
            color=(60, 60, 60),
            filename="guest-deleted.jpg",
            guest_key=self.guest_photo.guest_key,
            deleted_at=timezone.now(),
        )
        started = guest.post(
            reverse("upload_start", args=[self.album.code]),
            {"name": "coming.jpg", "size": "1000", "type": "image/jpeg"},
        )
        self.assertEqual(started.status_code, 201)
        self.upload_token = started.json()["token"]
        cache.clear()

    @property
    def users(self):
        return {
            "anonymous": None,
            "guest": None,
            "stranger": self.bob,
            "follower": self.charlie,
            "uploader": self.dave,
            "owner": self.alice,
            "staff": self.staff,
            "cohost": self.erin,
        }

    def url_for(self, name, entry, role, swapped=None):
        """The URL `role` calls for this entry; `swapped` ({args kind: object})
        puts another object's id in, for the id-swapping test."""
        kind = entry.args
        code = self.album.code
        objects = {
            # Code and an id of an object of the album.
            "photo": self.guest_photo if role == "guest" else self.photo,
            "takedown": self.takedown,
            "invitation_id": self.invitation,
            "cohost": self.cohost,
            "trashed_photo": (
                self.guest_trashed_photo if role == "guest" else self.trashed_photo
            ),
            # An id alone.
            "trashed_album": self.trashed_album,
        }
        objects.update(swapped or {})
        if kind == "":
            args = []
        elif kind == "reset":
            uid = urlsafe_base64_encode(force_bytes(self.alice.pk))
            args = [uid, default_token_generator.make_token(self.alice)]
        elif kind == "code":
            args = [code]
        elif kind == "upload":
            args = [code, self.upload_token]
        elif kind == "link":
            args = [self.album.link_token]
        elif kind == "follow":
            args = [code, self.album.subs.first().pk]
        elif kind == "trashed_album":
            args = [objects[kind].pk]
        elif kind in objects:
            args = [code, objects[kind].pk]
        elif kind == "invitation":
            args = [self.invitation.token]
        elif kind == "email_token":
            args = [self.guest_address.token]
        elif kind == "host_token":
            args = [host_unsubscribe_token(self.album, self.alice)]
        else:
            raise AssertionError(f"{name}: unknown args kind {kind!r}")
        return reverse(name, args=args) + entry.query(self)

    def status_of(self, role, method, url, data):
        """The status `role` gets, with every change undone afterwards."""
        client = self.clients[role]
        cookies = SimpleCookie(client.cookies.output(header="", sep="\n"))
        cache.clear()
        try:
            with transaction.atomic():
                try:
                    response = (
                        client.get(url) if method == "GET" else client.post(url, data)
                    )
                    if response.streaming:  # the client closes it once read
                        b"".join(response.streaming_content)
                    return response.status_code
                except Exception as error:  # a 500: reported as a mismatch, not a crash
                    return f"500 ({type(error).__name__}: {error})"
                finally:
                    transaction.set_rollback(True)
        finally:
            client.cookies = cookies

    def check(self, cells):
        """Run (label, role, method, url, data, expected) cells; fail once, listing
        every mismatch."""
        mismatches = []
        for label, role, method, url, data, expected in cells:
            got = self.status_of(role, method, url, data)
            if got != expected:
                mismatches.append(
                    f"{label} {method} {role}: expected {expected} got {got}"
                )
            with self.subTest(label, method=method, role=role):
                self.assertEqual(got, expected)
        self.assertFalse(
            mismatches,
            f"{len(mismatches)} of the matrix's cells differ:\n"
            + "\n".join(mismatches),
        )

    def test_every_url_has_an_entry(self):
        names = [name for _route, name in url_names()]
        missing = [
            f"new view {name} has no entry in the permission table"
            for name in names
            if name not in PERMISSIONS
        ]
        self.assertFalse(missing, "\n".join(missing))
        self.assertFalse(
            set(PERMISSIONS) - set(names), "entries for URL names that no longer exist"
        )
        self.assertFalse(
            [route for route, name in url_names() if name is None],
            "unnamed URL patterns",
        )

    def cells_for(self, name, route, entry, roles=ROLES, refused=True):
        """The entry's (label, role, method, url, data, expected) cells, for
        `roles`; without the 405s (refused before anything is looked up)
        unless `refused`."""
        cells = []
        for method, spec in (("GET", entry.get), ("POST", entry.post)):
            for role, expected in statuses(spec).items():
                if role not in roles or (expected == 405 and not refused):
                    continue
                url = self.url_for(name, entry, role)
                data = entry.data(self, self.users[role]) if method == "POST" else None
                label = f"{name} ({route}{entry.query(self)})"
                cells.append((label, role, method, url, data, expected))
        return cells

    def matrix(self, permissions, variants, only_args=None, **unchanged):
        """Every cell of the URL names with an entry in `permissions`, and of
        the `variants`; of the other URL names (those whose args kind is in
        `only_args`, if given), with their PERMISSIONS entry, the cells that
        cells_for(**unchanged) gives (all of them without `unchanged`)."""
        cells = []
        routes = {}
        for route, name in url_names():
            routes[name] = route
            entry = PERMISSIONS.get(name)
            if name in permissions:
                cells += self.cells_for(name, route, permissions[name])
            elif entry and (only_args is None or entry.args in only_args):
                cells += self.cells_for(name, route, entry, **unchanged)
        for name, entry in variants:
            cells += self.cells_for(name, routes[name], entry)
        return cells

    def test_matrix(self):
        self.check(self.matrix({}, VARIANTS))

    def make_drop_box(self):
        """The album as a drop box whose reveal is tomorrow."""
        self.album.mode = Album.DROP_BOX
        self.album.reveal_at = timezone.now() + timezone.timedelta(days=1)
        self.album.save(update_fields=["mode", "reveal_at"])
        self.assertTrue(self.album.photos_hidden())

    def test_drop_box_matrix(self):
        """The album as a drop box before its reveal: every cell of
        DROP_BOX_PERMISSIONS and DROP_BOX_VARIANTS, and every other URL of the
        album again with its see-all entry, for the roles the mode may concern
        (MODE_ROLES), less the 405s (refused before anything is looked up)."""
        self.make_drop_box()
        self.assertFalse(set(DROP_BOX_PERMISSIONS) - set(PERMISSIONS))
        cells = self.matrix(
            DROP_BOX_PERMISSIONS,
            DROP_BOX_VARIANTS,
            only_args=ALBUM_ARGS,
            roles=MODE_ROLES,
            refused=False,
        )
        self.check(cells)

    def test_each_person_sees_what_the_mode_shows(self):
        """The album's JSON (its ids), the files to save and the ZIP give each
        person the photos the mode shows them, in both modes; the hosts'
        slideshow key shows all to anyone."""
        photos = {"photo": self.photo, "guest": self.guest_photo}
        ids = ",".join(str(photo.pk) for photo in photos.values())
        code = self.album.code
        mismatches = []
        for mode in (Album.SEE_ALL, Album.DROP_BOX):
            if mode == Album.DROP_BOX:
                self.make_drop_box()
            for role in ROLES:
                client = self.clients[role]
                expected = {photos[which].pk for which in SEES[mode][role]}
                listed = client.get(
                    reverse("album_photos_json", args=[code]) + "?ids=1"
                )
                keyed = client.get(
                    reverse("album_photos_json", args=[code])
                    + f"?ids=1&key={self.album.slideshow_token}"
                )
                saved = client.get(
                    reverse("album_save_json", args=[code]) + f"?ids={ids}"
                )
                zipped = client.get(reverse("album_download", args=[code]))
                with zipfile.ZipFile(
                    io.BytesIO(b"".join(zipped.streaming_content))
                ) as z:
                    names = {name.split(" ", 2)[2] for name in z.namelist()}
                got = {
                    "photos.json": set(listed.json()["ids"]),
                    "photos.json?key=": set(keyed.json()["ids"]),
                    "save.json": {file["id"] for file in saved.json()["files"]},
                    "download": names,
                }
                wanted = {
                    "photos.json": expected,
                    "photos.json?key=": {photo.pk for photo in photos.values()},
                    "save.json": expected,
                    "download": {
                        photo.filename
                        for photo in photos.values()
                        if photo.pk in expected
                    },
                }
                mismatches += [
                    f"{mode} {role} {what}: expected {wanted[what]} got {got[what]}"
                    for what in got
                    if got[what] != wanted[what]
                ]
        self.assertFalse(mismatches, "\n".join(mismatches))

    def test_ids_of_another_album_are_404_through_this_albums_code(self):
        cells = []
        for (_route, name), swapped, role in itertools.product(
            url_names(), self.foreign, ROLES
        ):
            entry = PERMISSIONS.get(name)
            if entry is None or entry.args not in swapped:
                continue
            owner = swapped["photo"].album.user.username
            for method, spec in (("GET", entry.get), ("POST", entry.post)):
                if statuses(spec)[role] == 405:
                    continue  # the method is refused before anything is looked up
                url = self.url_for(name, entry, role, swapped)
                data = entry.data(self, self.users[role]) if method == "POST" else None
                cells.append(
                    (f"{name} (id from {owner}'s album)", role, method, url, data, 404)
                )
        # The album's trash holds only photos in the trash: a live photo's id
        # (the requester's own for guest and uploader) is 404 there.
        for (_route, name), role in itertools.product(url_names(), ROLES):
            entry = PERMISSIONS.get(name)
            if entry is None or entry.args != "trashed_photo":
                continue
            live = self.guest_photo if role == "guest" else self.photo
            for method, spec in (("GET", entry.get), ("POST", entry.post)):
                if statuses(spec)[role] == 405:
                    continue
                url = self.url_for(name, entry, role, {"trashed_photo": live})
                data = entry.data(self, self.users[role]) if method == "POST" else None
                cells.append(
                    (f"{name} (a photo not in the trash)", role, method, url, data, 404)
                )
        # Someone else's album in the trash: nobody's to restore or delete but
        # its owner's (anonymous visitors are sent to log in first).
        for (_route, name), role in itertools.product(url_names(), ROLES):
            entry = PERMISSIONS.get(name)
            if entry is None or entry.args != "trashed_album":
                continue
            swapped = {"trashed_album": self.others_trashed_album}
            for method, spec in (("GET", entry.get), ("POST", entry.post)):
                expected = statuses(spec)[role]
                if expected == 405:
                    continue
                url = self.url_for(name, entry, role, swapped)
                data = entry.data(self, self.users[role]) if method == "POST" else None
                cells.append(
                    (
                        f"{name} (frank's album in the trash)",
                        role,
                        method,
                        url,
                        data,
                        302 if self.users[role] is None else 404,
                    )
                )
        # Photo ids in forms: the hosts may only pick photos of this album.
        for swapped, role in itertools.product(
            self.foreign, ("owner", "staff", "cohost")
        ):
            photo = swapped["photo"]
            owner = photo.album.user.username
            for name, data in (
                ("album_cover", {"photo": photo.pk}),
                (
                    "bulk_moderation",
                    {"action": "delete", "confirmed": "on", "photos": [photo.pk]},
                ),
            ):
                url = reverse(name, args=[self.album.code])
                cells.append(
                    (
                        f"{name} (form id from {owner}'s album)",
                        role,
                        "POST",
                        url,
                        data,
                        400,
                    )
                )
        self.check(cells)

    def state(self):
        """Everything a POST could change: every row of every model (sessions
        included), the objects in storage and the mail sent."""
        rows = {
            model._meta.label: list(model._base_manager.order_by("pk").values_list())
            for model in apps.get_models()
        }
        return rows, stored_keys(), len(mail.outbox)

    def csrf_client(self, role):
        client = Client(enforce_csrf_checks=True)
        if self.users[role]:
            client.force_login(self.users[role])
        return client

    def test_posts_without_a_csrf_token_are_refused(self):
        """Every URL whose POST acts, as the role that may act: without a CSRF
        token 403 and nothing changed (no row, stored object, mail or login);
        the same POST with the token from a page of the site gets its status
        from the matrix, so the 403 is the missing token's. The views of
        CSRF_EXEMPT, and only they, act without a token."""
        cells = []
        for route, name in url_names():
            entry = PERMISSIONS.get(name)
            role = entry and acting_role(name, entry)
            if role is None:
                continue
            cells.append((name, route, role, entry))
        self.assertTrue(
            {"signup", "login", "password_reset", "logout", "upload", "album_delete"}
            | set(CSRF_EXEMPT)
            <= {name for name, *_ in cells}
        )
        mismatches = []
        for name, route, role, entry in cells:
            url = self.url_for(name, entry, role)
            with self.subTest(name, role=role):
                client = self.csrf_client(role)
                session_before = client.session.session_key
                cache.clear()
                with transaction.atomic():
                    before = self.state()
                    response = client.post(url, entry.data(self, self.users[role]))
                    after = self.state()
                    transaction.set_rollback(True)
                if name in CSRF_EXEMPT:
                    # Acts without a token: the matrix's status, and a change.
                    expected = statuses(entry.post)[role]
                    if response.status_code != expected or after == before:
                        mismatches.append(
                            f"{name} ({route}) as {role} without a token (exempt): "
                            f"expected {expected} and a change, got "
                            f"{response.status_code}"
                            + (" and no change" if after == before else "")
                        )
                    continue
                if (
                    response.status_code != 403
                    or b"CSRF verification failed" not in response.content
                ):
                    mismatches.append(
                        f"{name} ({route}) as {role} without a token: got {response.status_code}"
                    )
                if after != before:
                    mismatches.append(
                        f"{name} ({route}) as {role} without a token changed something"
                    )
                if client.session.session_key != session_before:
                    mismatches.append(
                        f"{name} ({route}) as {role} without a token changed the login"
                    )

                # The control: the token a page of the site hands out makes the same POST act.
                client.get(reverse("login") if role == "anonymous" else reverse("home"))
                data = {
                    **entry.data(self, self.users[role]),
                    "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
                }
                cache.clear()
                with transaction.atomic():
                    response = client.post(url, data)
                    transaction.set_rollback(True)
                expected = statuses(entry.post)[role]
                if response.status_code != expected:
                    mismatches.append(
                        f"{name} ({route}) as {role} with the token: expected {expected} "
                        f"got {response.status_code}"
                    )
        self.assertFalse(mismatches, "\n".join(mismatches))
