from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "photos"

    def ready(self):
        # notifications connects albums.signals.guest_links_due (guests'
        # links after a reveal).
        from photos import notifications, signals  # noqa: F401
