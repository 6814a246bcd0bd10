from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from albums.codes import normalize_code
from albums.models import Album, Subs


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
    list_filter = ["uploads_open", "guest_uploads", "created_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    search_help_text = "Album code (typed any way), album name or owner's username."
    raw_id_fields = ["user", "thumbnail"]
    readonly_fields = ["code_display", "created_at"]
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
    ]
    actions = ["lock_uploads", "unlock_uploads"]

    def get_queryset(self, request):
        # Photos build on albums (photos imports albums, never the reverse):
        # the count goes through the reverse relation's model.
        photos = Album._meta.get_field("photos").related_model
        return (
            super()
            .get_queryset(request)
            .annotate(
                photo_count=count_of(photos.objects.all(), "album"),
                follower_count=count_of(Subs.objects.all(), "album"),
            )
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        return relabel_delete_selected(
            actions, "Delete selected albums with their photos and files"
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
