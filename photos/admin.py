from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from albums.admin import relabel_delete_selected, search_with_code
from albums.models import Album
from core import storage
from photos.models import Photo, Tag, TakedownRequest

PREVIEW_SIZE = 80  # px, the longer side of the changelist thumbnail


def fitted(photo, box):
    """Width and height of `photo` scaled to fit a box×box square, for <img> attributes."""
    scale = box / max(photo.width, photo.height, 1)
    return max(1, round(photo.width * scale)), max(1, round(photo.height * scale))


def preview_img(photo):
    """The photo's thumbnail for a changelist row (a clip's: of its poster)."""
    width, height = fitted(photo, PREVIEW_SIZE)
    kind = "the video" if photo.is_video else ""
    return format_html(
        '<img src="{}" alt="Thumbnail of {}{}" width="{}" height="{}" loading="lazy">',
        photo.thumbnail_url(),
        f"{kind} " if kind else "",
        photo.filename,
        width,
        height,
    )


class AlbumFilter(admin.SimpleListFilter):
    """One album at a time, chosen from a link (the album column here, the
    photo count in the album admin), so 100,000 albums are never listed."""

    title = "album"
    parameter_name = "album"

    def lookups(self, request, model_admin):
        value = self.value()
        album = (
            Album.objects.filter(pk=value).first()
            if value and value.isdigit()
            else None
        )
        return [(str(album.pk), str(album))] if album else []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(album_id=value)
        return queryset


class TagInline(admin.TabularInline):
    model = Tag
    extra = 0


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = [
        "preview",
        "filename",
        "album_link",
        "uploader",
        "size_display",
        "duration_display",
        "codec",
        "taken_at",
        "created_at",
        "hidden",
    ]
    list_display_links = ["preview", "filename"]
    list_filter = [AlbumFilter, "hidden", "content_type", "created_at"]
    list_select_related = ["album", "user"]
    search_fields = ["filename", "user__username", "guest_name"]
    search_help_text = (
        "File name, album code (typed any way), uploader's username or guest name."
    )
    raw_id_fields = ["user", "album"]
    show_full_result_count = False  # one COUNT(*) less on a table of 100,000 rows
    inlines = [TagInline]
    actions = ["hide", "unhide"]
    fields = [
        "display_image",
        "original_link",
        "filename",
        "album",
        "user",
        "guest_name",
        "hidden",
        "taken_at",
        "created_at",
        "content_type",
        "size_display",
        "width",
        "height",
        "duration_display",
        "video_codec",
        "sha256",
        "link",
        "tlink",
        "small_link",
        "display_link",
        "location_free_link",
        "playback_link",
    ]
    # Storage keys and what was measured from the file describe stored bytes:
    # editing them would make the row lie about its objects.
    readonly_fields = [
        "display_image",
        "original_link",
        "created_at",
        "content_type",
        "size_display",
        "width",
        "height",
        "duration_display",
        "video_codec",
        "sha256",
        "link",
        "tlink",
        "small_link",
        "display_link",
        "location_free_link",
        "playback_link",
    ]

    def has_add_permission(self, request):
        return False  # photos arrive through the upload pipeline, which checks and renders them

    def get_actions(self, request):
        return relabel_delete_selected(
            super().get_actions(request), "Delete selected photos and their files"
        )

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        return search_with_code(
            queryset, results, search_term, "album__code"
        ), may_have_duplicates

    @admin.display(description="preview")
    def preview(self, photo):
        return preview_img(photo)

    @admin.display(description="album", ordering="album__name")
    def album_link(self, photo):
        url = reverse("admin:photos_photo_changelist") + f"?album={photo.album_id}"
        return format_html(
            '<a href="{}" title="Only this album\'s photos">{}</a>', url, photo.album
        )

    @admin.display(description="uploader", ordering="user__username")
    def uploader(self, photo):
        if photo.user_id:
            return photo.user.get_username()
        return f"{photo.guest_name} (guest)" if photo.guest_name else "guest"

    @admin.display(description="size", ordering="size")
    def size_display(self, photo):
        return filesizeformat(photo.size)

    @admin.display(description="duration", ordering="duration")
    def duration_display(self, photo):
        return photo.duration_label or None  # None: the admin's "-"

    @admin.display(description="codec", ordering="video_codec")
    def codec(self, photo):
        return photo.video_codec or None

    @admin.display(description="display image")
    def display_image(self, photo):
        width, height = fitted(photo, 1024)
        if photo.is_video:
            # The clip as staff may see it: its playback copy, else the
            # original, over the poster (the display rendition).
            key, content_type = (
                (photo.playback_link, "video/mp4")
                if photo.playback_link
                else (photo.link, photo.content_type)
            )
            return format_html(
                '<video controls preload="none" poster="{}" width="{}" height="{}">'
                '<source src="{}" type="{}"></video>',
                photo.display_url(),
                width,
                height,
                storage.url(key, content_type=content_type),
                "video/mp4" if content_type == "video/quicktime" else content_type,
            )
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" width="{}" height="{}"></a>',
            photo.display_url(),
            photo.display_url(),
            photo.filename,
            width,
            height,
        )

    @admin.display(description="original")
    def original_link(self, photo):
        url = storage.url(
            photo.link, content_type=photo.content_type, download_as=photo.filename
        )
        return format_html(
            '<a href="{}">Download the original ({})</a>',
            url,
            filesizeformat(photo.size),
        )

    @admin.action(
        description="Hide selected photos (only owner and uploader see them)",
        permissions=["change"],
    )
    def hide(self, request, queryset):
        count = queryset.update(hidden=True)
        Photo.objects.refresh_covers(
            Album.objects.filter(pk__in=queryset.values("album"))
        )
        self.message_user(request, f"Hid {count} photo(s).", messages.SUCCESS)

    @admin.action(description="Unhide selected photos", permissions=["change"])
    def unhide(self, request, queryset):
        count = queryset.update(hidden=False)
        Photo.objects.refresh_covers(
            Album.objects.filter(pk__in=queryset.values("album"))
        )
        self.message_user(
            request, f"Made {count} photo(s) visible again.", messages.SUCCESS
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["key", "short_value", "photo", "album"]
    list_filter = ["key"]
    list_select_related = ["photo__album"]
    search_fields = ["key", "value", "photo__filename"]
    raw_id_fields = ["photo"]

    @admin.display(description="value")
    def short_value(self, tag):
        return tag.value if len(tag.value) <= 80 else tag.value[:79] + "…"

    @admin.display(description="album", ordering="photo__album__name")
    def album(self, tag):
        return tag.photo.album


class PendingFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("1", "Pending"), ("0", "Dismissed")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.pending()
        if self.value() == "0":
            return queryset.filter(dismissed_at__isnull=False)
        return queryset


@admin.register(TakedownRequest)
class TakedownRequestAdmin(admin.ModelAdmin):
    list_display = [
        "photo_preview",
        "photo",
        "album",
        "created_at",
        "short_reason",
        "requester",
        "is_pending",
    ]
    list_display_links = ["photo_preview", "photo"]
    list_filter = [PendingFilter, "created_at"]
    list_select_related = ["photo__album", "user"]
    search_fields = ["reason", "photo__filename"]
    search_help_text = "Reason, photo file name or album code (typed any way)."
    raw_id_fields = ["photo", "user"]
    readonly_fields = ["created_at", "ip_hash"]
    show_full_result_count = False
    actions = ["dismiss"]

    def has_add_permission(self, request):
        return False  # requests come from the photo page, from people who can see the photo

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        return search_with_code(
            queryset, results, search_term, "photo__album__code"
        ), may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        pending = TakedownRequest.objects.pending().count()
        title = f"Take-down requests: {pending} pending"
        return super().changelist_view(
            request, {"title": title, **(extra_context or {})}
        )

    @admin.display(description="preview")
    def photo_preview(self, takedown):
        return preview_img(takedown.photo)

    @admin.display(description="album", ordering="photo__album__name")
    def album(self, takedown):
        return takedown.photo.album

    @admin.display(description="reason")
    def short_reason(self, takedown):
        return (
            takedown.reason
            if len(takedown.reason) <= 80
            else takedown.reason[:79] + "…"
        )

    @admin.display(description="asked by", ordering="user__username")
    def requester(self, takedown):
        return takedown.user.get_username() if takedown.user_id else "guest"

    @admin.display(description="pending", boolean=True, ordering="dismissed_at")
    def is_pending(self, takedown):
        return takedown.is_pending

    @admin.action(
        description="Dismiss selected requests (the photos stay)",
        permissions=["change"],
    )
    def dismiss(self, request, queryset):
        count = queryset.pending().update(dismissed_at=timezone.now())
        self.message_user(request, f"Dismissed {count} request(s).", messages.SUCCESS)
