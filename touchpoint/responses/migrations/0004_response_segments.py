"""Answers keep a segment snapshot (`lib.segments`): their contact's attributes and their
interaction's properties when they were given. Past answers take the values their contact and
interaction hold now, the nearest there is to when they were given."""

from django.db import migrations, models

from touchpoint.lib.segments import snapshot

BATCH = 2_000


def fill(apps, schema_editor):
    Response = apps.get_model("responses", "Response")
    rows = (
        Response.objects.exclude(contact__isnull=True, interaction__isnull=True)
        .order_by("pk")
        .values_list("pk", "contact__attributes", "interaction__properties")
    )
    pending = []
    for pk, attributes, properties in rows.iterator(chunk_size=BATCH):
        segments = snapshot(attributes, properties)
        if segments:
            pending.append(Response(pk=pk, segments=segments))
        if len(pending) >= BATCH:
            Response.objects.bulk_update(pending, ["segments"])
            pending = []
    Response.objects.bulk_update(pending, ["segments"])


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_contact_phone_opted_out_at"),
        ("responses", "0003_client_key"),
        ("surveys", "0006_invitation_indexes_per_worker_query"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="segments",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
