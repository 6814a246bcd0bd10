import secrets

from django.db import migrations, models

import albums.codes


def give_each_album_a_token(apps, schema_editor):
    Album = apps.get_model("albums", "Album")
    for album in Album.objects.filter(link_token__isnull=True).only("pk"):
        album.link_token = secrets.token_urlsafe(24)
        album.save(update_fields=["link_token"])


class Migration(migrations.Migration):
    dependencies = [("albums", "0002_initial")]

    operations = [
        migrations.AddField(
            model_name="album",
            name="link_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(give_each_album_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="album",
            name="link_token",
            field=models.CharField(
                default=albums.codes.generate_link_token,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
    ]
