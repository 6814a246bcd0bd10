from django.db import migrations, models


class Migration(migrations.Migration):
    """Who added a guest's photo, on its row (photos.guests): replaces the list
    of photo ids kept in the guest's session, which parallel uploads
    overwrote. Photos added before have no key: their guests lose the right
    to edit them, as they would have when their session ended."""

    dependencies = [("photos", "0004_rendition_field_names")]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="guest_key",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
    ]
