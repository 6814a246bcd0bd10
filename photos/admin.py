from django.conf import settings
from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from albums.admin import (
    TrashedFilter,
    all_objects_queryset,
    relabel_delete_selected,
    search_with_code,
)
from albums.models import Album
from core import storage
from photos import trash
from photos.models import Photo, Tag, TakedownRequest

PREVIEW_SIZE = 80  # px, the longer side of the changelist thumbnail


def fitted(photo, box):
    """Width and height of `photo` scaled to fit a box×box square, for <img> attributes."""
    scale = box / max(photo.width, photo.height, 1)
    return max(1, round(photo.width * scale)), max(1, round(photo.height * scale))


def preview_img(photo):
    """The photo's thumbnail for a changelist row (a clip's: of its poster)."""
    width, height = fitted(photo, PREVIEW_SIZE)
    if photo.is_video:
        alt = _("Thumbnail of the video %(name)s") % {"name": photo.filename}
    else:
        alt = _("Thumbnail of %(name)s") % {"name": photo.filename}
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
        photo.thumbnail_url(),
        alt,
        width,
        height,
    )


class AlbumFilter(admin.SimpleListFilter):
    """One album at a time, chosen from a link (the album column here, the
    photo count in the album admin), so 100,000 albums are never listed."""

    title = gettext_lazy("album")
    parameter_name = "album"

    def lookups(self, request, model_admin):
        value = self.value()
        album = (
            Album.all_objects.filter(pk=value).first()
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
        "deleted_at",
    ]
    list_display_links = ["preview", "filename"]
    list_filter = [AlbumFilter, TrashedFilter, "hidden", "content_type", "created_at"]
    list_select_related = ["album", "user"]
    search_fields = ["filename", "user__username", "guest_name"]
    search_help_text = gettext_lazy(
        "File name, album code (typed any way), uploader's username or guest name."
    )
    raw_id_fields = ["user", "album"]
    show_full_result_count = False  # one COUNT(*) less on a table of 100,000 rows
    inlines = [TagInline]
    actions = ["hide", "unhide", "move_to_trash", "restore_from_trash"]
    fields = [
        "display_image",
        "original_link",
        "filename",
        "album",
        "user",
        "guest_name",
        "hidden",
        "deleted_at",
        "was_cover",
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
        "deleted_at",
        "was_cover",
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

    def get_queryset(self, request):
        # The trash too (Photo.all_objects; TrashedFilter tells them apart).
        return all_objects_queryset(self, request)

    def get_actions(self, request):
        return relabel_delete_selected(
            super().get_actions(request),
            _("Delete now (skips the trash): selected photos and their files"),
        )

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        return search_with_code(
            queryset, results, search_term, "album__code"
        ), may_have_duplicates

    @admin.display(description=gettext_lazy("preview"))
    def preview(self, photo):
        return preview_img(photo)

    @admin.display(description=gettext_lazy("album"), ordering="album__name")
    def album_link(self, photo):
        url = reverse("admin:photos_photo_changelist") + f"?album={photo.album_id}"
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            url,
            _("Only this album's photos"),
            photo.album,
        )

    @admin.display(description=gettext_lazy("uploader"), ordering="user__username")
    def uploader(self, photo):
        if photo.user_id:
            return photo.user.get_username()
        if photo.guest_name:
            return _("%(name)s (guest)") % {"name": photo.guest_name}
        return _("guest")

    @admin.display(description=gettext_lazy("size"), ordering="size")
    def size_display(self, photo):
        return filesizeformat(photo.size)

    @admin.display(description=gettext_lazy("duration"), ordering="duration")
    def duration_display(self, photo):
        return photo.duration_label or None  # None: the admin's "-"

    @admin.display(description=gettext_lazy("codec"), ordering="video_codec")
    def codec(self, photo):
        return photo.video_codec or None

    @admin.display(description=gettext_lazy("display image"))
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

    @admin.display(description=gettext_lazy("original"))
    def original_link(self, photo):
        url = storage.url(
            photo.link, content_type=photo.content_type, download_as=photo.filename
        )
        return format_html(
            '<a href="{}">{}</a>',
            url,
            _("Download the original (%(size)s)")
            % {"size": filesizeformat(photo.size)},
        )

    @admin.action(
        description=gettext_lazy(
            "Hide selected photos (only owner and uploader see them)"
        ),
        permissions=["change"],
    )
    def hide(self, request, queryset):
        count = queryset.update(hidden=True)
        Photo.objects.refresh_covers(
            Album.objects.filter(pk__in=queryset.values("album"))
        )
        self.message_user(
            request,
            # Translators: both forms say "photo(s)" in English; say each as it should be.
            ngettext("Hid %(count)s photo(s).", "Hid %(count)s photo(s).", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Unhide selected photos"), permissions=["change"]
    )
    def unhide(self, request, queryset):
        count = queryset.update(hidden=False)
        Photo.objects.refresh_covers(
            Album.objects.filter(pk__in=queryset.values("album"))
        )
        self.message_user(
            request,
            ngettext(
                "Made %(count)s photo(s) visible again.",
                "Made %(count)s photo(s) visible again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Move selected photos to the trash"),
        permissions=["change"],
    )
    def move_to_trash(self, request, queryset):
        # Staff host every album: their uploaders can't restore them.
        count = trash.trash_photos(queryset, by=request.user)
        self.message_user(
            request,
            ngettext(
                # Translators: "%(days)s days" is always many days.
                "Moved %(count)s photo(s) to the trash: their albums' hosts can "
                "restore them for %(days)s days (their uploaders can't).",
                "Moved %(count)s photo(s) to the trash: their albums' hosts can "
                "restore them for %(days)s days (their uploaders can't).",
                count,
            )
            % {"count": count, "days": settings.TRASH_DAYS},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Restore selected photos from the trash"),
        permissions=["change"],
    )
    def restore_from_trash(self, request, queryset):
        restored = 0
        for photo in queryset.filter(deleted_at__isnull=False).order_by("pk"):
            try:
                trash.restore_photo(photo)
            except trash.Refused as refusal:
                self.message_user(request, refusal.message, messages.WARNING)
            else:
                restored += 1
        self.message_user(
            request,
            ngettext(
                "Restored %(count)s photo(s) from the trash.",
                "Restored %(count)s photo(s) from the trash.",
                restored,
            )
            % {"count": restored},
            messages.SUCCESS,
        )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["key", "short_value", "photo", "album"]
    list_filter = ["key"]
    list_select_related = ["photo__album"]
    search_fields = ["key", "value", "photo__filename"]
    raw_id_fields = ["photo"]

    @admin.display(description=gettext_lazy("value"))
    def short_value(self, tag):
        return tag.value if len(tag.value) <= 80 else tag.value[:79] + "…"

    @admin.display(description=gettext_lazy("album"), ordering="photo__album__name")
    def album(self, tag):
        return tag.photo.album


class PendingFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("1", _("Pending")), ("0", _("Dismissed"))]

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
    search_help_text = gettext_lazy(
        "Reason, photo file name or album code (typed any way)."
    )
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
        title = _("Take-down requests: %(count)s pending") % {"count": pending}
        return super().changelist_view(
            request, {"title": title, **(extra_context or {})}
        )

    @admin.display(description=gettext_lazy("preview"))
    def photo_preview(self, takedown):
        return preview_img(takedown.photo)

    @admin.display(description=gettext_lazy("album"), ordering="photo__album__name")
    def album(self, takedown):
        return takedown.photo.album

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, takedown):
        return (
            takedown.reason
            if len(takedown.reason) <= 80
            else takedown.reason[:79] + "…"
        )

    @admin.display(description=gettext_lazy("asked by"), ordering="user__username")
    def requester(self, takedown):
        return takedown.user.get_username() if takedown.user_id else _("guest")

    @admin.display(
        description=gettext_lazy("pending"), boolean=True, ordering="dismissed_at"
    )
    def is_pending(self, takedown):
        return takedown.is_pending

    @admin.action(
        description=gettext_lazy("Dismiss selected requests (the photos stay)"),
        permissions=["change"],
    )
    def dismiss(self, request, queryset):
        count = queryset.pending().update(dismissed_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "Dismissed %(count)s request(s).",
                "Dismissed %(count)s request(s).",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
