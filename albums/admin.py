from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from albums.codes import normalize_code
from albums.models import Album, CoHost, CoHostInvitation, Subs


def count_of(queryset, field):
    """Annotation: how many rows of `queryset` point at each outer row through `field`.

    A subquery rather than Count() over joins: two Count()s joined on the same
    row (an album's photos and its followers) multiply each other's rows before
    counting, and the subquery is only evaluated for the page shown.
    """
    counts = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def search_with_code(queryset, results, search_term, code_field):
    """Add to admin search `results` the rows whose album code is `search_term`
    however it was typed (case, hyphens, spaces, O for 0, I or L for 1)."""
    code = normalize_code(search_term)
    if code:
        results |= queryset.filter(**{code_field: code})
    return results


def relabel_delete_selected(actions, description):
    """Say in Django's delete action what it also removes (storage objects go after the commit)."""
    if "delete_selected" in actions:
        function, name, _description = actions["delete_selected"]
        actions[name] = (function, name, description)
    return actions


class TrashedFilter(admin.SimpleListFilter):
    """In the trash (deleted_at set) or not: for albums and photos, whose
    admin lists show both (photos.trash)."""

    title = "trash"
    parameter_name = "trashed"

    def lookups(self, request, model_admin):
        return [("1", "In the trash"), ("0", "Not in the trash")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "0":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


def all_objects_queryset(model_admin, request):
    """ModelAdmin.get_queryset() from the model's all_objects, the trash
    included (its default manager leaves the trash out)."""
    queryset = model_admin.model.all_objects.get_queryset()
    ordering = model_admin.get_ordering(request)
    if ordering:
        queryset = queryset.order_by(*ordering)
    return queryset


# Django's delete action and delete page skip the trash.
DELETE_NOW = "Delete now (skips the trash): {}"


class CoHostInline(admin.TabularInline):
    """The album's co-hosts: staff may add (by user id) or remove one."""

    model = CoHost
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]


class CoHostInvitationInline(admin.TabularInline):
    """The album's co-host invitations, read-only and without their token
    (a token is a key: whoever has it becomes a co-host)."""

    model = CoHostInvitation
    extra = 0
    can_delete = False
    fields = ["created_at", "expires_at", "state", "accepted_by", "accepted_at"]
    readonly_fields = fields
    verbose_name_plural = (
        "co-host invitations (their links are shown to the owner only)"
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="state")
    def state(self, invitation):
        if invitation.accepted_at:
            return "accepted"
        if invitation.revoked_at:
            return "revoked"
        return "pending" if invitation.is_usable() else "expired"


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code_display",
        "user",
        "photos_link",
        "follower_count",
        "uploads_open",
        "created_at",
        "album_link",
    ]
    list_filter = [TrashedFilter, "uploads_open", "guest_uploads", "created_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    search_help_text = "Album code (typed any way), album name or owner's username."
    raw_id_fields = ["user", "thumbnail"]
    readonly_fields = ["code_display", "created_at", "deleted_at"]
    fields = [
        "name",
        "host_name",
        "code_display",
        "user",
        "thumbnail",
        "uploads_open",
        "guest_uploads",
        "keep_location",
        "created_at",
        "deleted_at",
    ]
    actions = ["lock_uploads", "unlock_uploads", "move_to_trash", "restore_from_trash"]
    inlines = [CoHostInline, CoHostInvitationInline]

    def get_inlines(self, request, obj):
        # A new album has no co-hosts yet: its add form stays as it was.
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        # Photos build on albums (photos imports albums, never the reverse):
        # the count goes through the reverse relation's model.
        # The trash too (Album.all_objects; TrashedFilter tells them apart).
        photos = Album._meta.get_field("photos").related_model
        return all_objects_queryset(self, request).annotate(
            photo_count=count_of(photos.objects.all(), "album"),
            follower_count=count_of(Subs.objects.all(), "album"),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        return relabel_delete_selected(
            actions,
            DELETE_NOW.format("selected albums with their photos and files"),
        )

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        return search_with_code(
            queryset, results, search_term, "code"
        ), may_have_duplicates

    @admin.display(description="code", ordering="code")
    def code_display(self, album):
        return album.display_code

    @admin.display(description="photos", ordering="photo_count")
    def photos_link(self, album):
        url = reverse("admin:photos_photo_changelist") + f"?album={album.pk}"
        return format_html('<a href="{}">{}</a>', url, album.photo_count)

    @admin.display(description="followers", ordering="follower_count")
    def follower_count(self, album):
        return album.follower_count

    @admin.display(description="album page")
    def album_link(self, album):
        if album.deleted_at:
            return format_html(
                "In the trash, purged {}", album.in_words(album.purge_at)
            )
        return format_html('<a href="{}">View</a>', album.get_absolute_url())

    @admin.action(description="Lock uploads of selected albums", permissions=["change"])
    def lock_uploads(self, request, queryset):
        count = queryset.update(uploads_open=False)
        self.message_user(
            request,
            f"Locked {count} album(s): nobody can add photos.",
            messages.SUCCESS,
        )

    @admin.action(description="Open uploads of selected albums", permissions=["change"])
    def unlock_uploads(self, request, queryset):
        count = queryset.update(uploads_open=True)
        self.message_user(
            request, f"Opened {count} album(s) for uploads.", messages.SUCCESS
        )

    @admin.action(
        description="Move selected albums to the trash", permissions=["change"]
    )
    def move_to_trash(self, request, queryset):
        now = timezone.now()
        count = sum(
            album.trash(now) for album in queryset.filter(deleted_at__isnull=True)
        )
        self.message_user(
            request,
            f"Moved {count} album(s) to the trash: their owners can restore them "
            f"for {settings.TRASH_DAYS} days.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Restore selected albums from the trash", permissions=["change"]
    )
    def restore_from_trash(self, request, queryset):
        count = sum(
            album.restore() for album in queryset.filter(deleted_at__isnull=False)
        )
        self.message_user(
            request, f"Restored {count} album(s) from the trash.", messages.SUCCESS
        )


@admin.register(Subs)
class SubsAdmin(admin.ModelAdmin):
    list_display = ["user", "album", "created_at"]
    list_filter = ["created_at"]
    list_select_related = ["user", "album"]
    search_fields = ["album__name", "user__username"]
    search_help_text = "Album code (typed any way), album name or username."
    raw_id_fields = ["album", "user"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        return search_with_code(
            queryset, results, search_term, "album__code"
        ), may_have_duplicates
