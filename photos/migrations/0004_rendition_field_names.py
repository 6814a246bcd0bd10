from django.db import migrations, models


class Migration(migrations.Migration):
    """Clearer names for the renditions the seed didn't name (no data moves)."""

    dependencies = [("photos", "0003_takedown_requests_and_key_indexes")]

    operations = [
        migrations.RenameField("photo", "dlink", "display_link"),
        migrations.RenameField("photo", "plink", "location_free_link"),
        migrations.RenameField("photo", "plink_size", "location_free_size"),
        migrations.AlterField(
            model_name="photo",
            name="location_free_size",
            field=models.PositiveBigIntegerField(
                blank=True, help_text="Bytes of the location-free copy.", null=True
            ),
        ),
    ]
