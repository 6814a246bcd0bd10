"""Run the periodic tasks once, for deployments without a Celery broker
(from cron, every NOTIFY_CHECK_MINUTES): the hosts' emails of what is new
and the guests' links (photos.notifications.send_due), then the trash's
purge (photos.trash.purge). With a broker the Procfile's `beat:` process
runs the same on its own schedule (settings.CELERY_BEAT_SCHEDULE); running
both, or this twice at once, sends no email twice."""

from django.core.management.base import BaseCommand

from photos import notifications, trash


class Command(BaseCommand):
    help = (
        "Send the emails due now (hosts' emails of what is new, guests' album "
        "links) and purge the trash of what is past TRASH_DAYS, once."
    )

    def handle(self, *args, **options):
        sent = notifications.send_due()
        self.stdout.write(
            f"{sent['digests']} email{'s' if sent['digests'] != 1 else ''} of what is "
            f"new and {sent['guest_links']} album link{'s' if sent['guest_links'] != 1 else ''} "
            "sent."
        )
        albums, photos = trash.purge()
        self.stdout.write(
            f"{albums} album{'s' if albums != 1 else ''} and {photos} "
            f"photo{'s' if photos != 1 else ''} purged from the trash."
        )
