"""The authorization matrix: every URL in the URLconf, as every kind of
visitor, for GET and POST, with the status each must get.

The URLconf is enumerated, so a new view without an entry in PERMISSIONS
fails test_every_url_has_an_entry. Each cell runs inside a savepoint that is
rolled back, with the client's cookies put back afterwards, so a POST that
deletes, merges or logs out leaves nothing behind for the next cell.
"""

import itertools
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
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from albums.models import Album
from albums.tests.base import BaseTestCase, make_image_bytes, store_photo, stored_keys
from photos.models import TakedownRequest

ROLES = ("anonymous", "guest", "stranger", "follower", "uploader", "owner", "staff")

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
    Subs id), "takedown" (code and a take-down request id) or "reset" (a
    password-reset uid and token). `post` makes the POST data from the
    test case and the role's user; valid data, so an allowed POST really acts."""

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


# Role order in every status string: anonymous guest stranger follower uploader owner staff.
# "photo" URLs address the requester's own upload for guest and uploader, else the uploader's photo.
OWNER_ONLY_GET = "404 404 404 404 404 200 200"
OWNER_ONLY_POST = "404 404 404 404 404 302 302"
LOGGED_IN_GET = "302 302 200 200 200 200 200"
LOGGED_IN_POST = "302 302 302 302 302 302 302"
EDITORS_GET = "403 200 403 403 200 200 200"
EDITORS_POST = "403 302 403 403 302 302 302"

PERMISSIONS = {
    # accounts
    "signup": Entry("", "200 200 302 302 302 302 302", "302", _signup),
    "login": Entry(
        "",
        "200 200 302 302 302 302 302",
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
    "password_change_done": Entry("", LOGGED_IN_GET, "302 302 405 405 405 405 405"),
    "password_reset": Entry(
        "", "200", "302", lambda case, user: {"email": "alice@example.org"}
    ),
    "password_reset_done": Entry("", "200", "405"),
    # A valid link moves the token into the session and redirects to the form, for GET and POST.
    "password_reset_confirm": Entry("reset", "302", "302"),
    "password_reset_complete": Entry("", "200", "405"),
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
    "album_follow": Entry("code", "302 302 405 405 405 405 405", LOGGED_IN_POST),
    "album_unfollow": Entry("code", "302 302 405 405 405 405 405", LOGGED_IN_POST),
    "album_share": Entry("code", "200", "405"),
    "album_qr": Entry("code", "200", "405"),
    "album_settings": Entry("code", OWNER_ONLY_GET, OWNER_ONLY_POST, _album_settings),
    "album_cover": Entry(
        "code",
        OWNER_ONLY_GET,
        OWNER_ONLY_POST,
        lambda case, user: {"photo": case.photo.pk},
    ),
    # GET: the page that says what a new code stops, and asks first.
    "album_new_code": Entry("code", OWNER_ONLY_GET, OWNER_ONLY_POST),
    "album_follower_remove": Entry("follow", "405", OWNER_ONLY_POST),
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
        "200 200 400 400 400 400 400",
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
    "photo_hide": Entry("photo", "405", OWNER_ONLY_POST),
    "photo_unhide": Entry("photo", "405", OWNER_ONLY_POST),
    "photo_takedown": Entry(
        "photo", "200", "302", lambda case, user: {"reason": "That is me."}
    ),
    "bulk_moderation": Entry(
        "code",
        "405",
        OWNER_ONLY_POST,
        lambda case, user: {"action": "hide", "photos": [case.photo.pk]},
    ),
    "takedown_remove": Entry("takedown", "405", OWNER_ONLY_POST),
    "takedown_dismiss": Entry("takedown", "405", OWNER_ONLY_POST),
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

    def setUp(self):
        cache.clear()  # rate-limit counters
        self.photo = store_photo(self.album, user=self.dave, filename="dave.jpg")
        self.takedown = TakedownRequest.objects.create(
            photo=self.photo, reason="Not me", ip_hash="x"
        )
        # The uploader's own photos in the other albums, for id swapping.
        self.foreign = []
        for album in (self.same_owner_album, self.other_owner_album):
            photo = store_photo(
                album, user=self.dave, color=(9, 9, 9), filename="elsewhere.jpg"
            )
            self.foreign.append(
                (
                    photo,
                    TakedownRequest.objects.create(
                        photo=photo, reason="No", ip_hash="x"
                    ),
                )
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
        }

    def url_for(self, name, entry, role, photo=None, takedown=None):
        if entry.args == "":
            return reverse(name) + entry.query(self)
        if entry.args == "reset":
            uid = urlsafe_base64_encode(force_bytes(self.alice.pk))
            return reverse(
                name, args=[uid, default_token_generator.make_token(self.alice)]
            )
        if entry.args == "code":
            return reverse(name, args=[self.album.code]) + entry.query(self)
        if entry.args == "upload":
            return reverse(name, args=[self.album.code, self.upload_token])
        if entry.args == "link":
            return reverse(name, args=[self.album.link_token])
        if entry.args == "follow":
            return reverse(name, args=[self.album.code, self.album.subs.first().pk])
        if entry.args == "photo":
            if photo is None:
                photo = self.guest_photo if role == "guest" else self.photo
            return reverse(name, args=[self.album.code, photo.pk])
        if entry.args == "takedown":
            return reverse(name, args=[self.album.code, (takedown or self.takedown).pk])
        raise AssertionError(f"{name}: unknown args kind {entry.args!r}")

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

    def test_matrix(self):
        cells = []
        for route, name in url_names():
            entry = PERMISSIONS.get(name)
            if entry is None:
                continue  # test_every_url_has_an_entry names it
            for method, spec in (("GET", entry.get), ("POST", entry.post)):
                for role, expected in statuses(spec).items():
                    url = self.url_for(name, entry, role)
                    data = (
                        entry.data(self, self.users[role]) if method == "POST" else None
                    )
                    cells.append(
                        (f"{name} ({route})", role, method, url, data, expected)
                    )
        self.check(cells)

    def test_ids_of_another_album_are_404_through_this_albums_code(self):
        cells = []
        for (_route, name), (photo, takedown), role in itertools.product(
            url_names(), self.foreign, ROLES
        ):
            entry = PERMISSIONS.get(name)
            if entry is None or entry.args not in ("photo", "takedown"):
                continue
            owner = photo.album.user.username
            for method, spec in (("GET", entry.get), ("POST", entry.post)):
                if statuses(spec)[role] == 405:
                    continue  # the method is refused before anything is looked up
                url = self.url_for(name, entry, role, photo=photo, takedown=takedown)
                data = entry.data(self, self.users[role]) if method == "POST" else None
                cells.append(
                    (f"{name} (id from {owner}'s album)", role, method, url, data, 404)
                )
        # Photo ids in forms: the owner may only pick photos of this album.
        for (photo, _takedown), role in itertools.product(
            self.foreign, ("owner", "staff")
        ):
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
        from the matrix, so the 403 is the missing token's."""
        cells = []
        for route, name in url_names():
            entry = PERMISSIONS.get(name)
            role = entry and acting_role(name, entry)
            if role is None:
                continue
            cells.append((name, route, role, entry))
        self.assertTrue(
            {"signup", "login", "password_reset", "logout", "upload", "album_delete"}
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
