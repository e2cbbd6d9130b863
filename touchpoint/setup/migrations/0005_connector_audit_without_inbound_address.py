"""Take the connectors' inbound addresses out of the audit: a connector's creation recorded
its address, whose key is a secret a database dump must not hold (connectors' 0002 stores
only its hash). Going back has nothing to restore."""

from django.db import migrations

BATCH = 500


def drop_inbound_addresses(apps, schema_editor):
    SetupChange = apps.get_model("setup", "SetupChange")
    scrubbed = []
    for change in SetupChange.objects.filter(subject="connector").only("pk", "before", "after"):
        if "inbound_url" in change.before or "inbound_url" in change.after:
            change.before.pop("inbound_url", None)
            change.after.pop("inbound_url", None)
            scrubbed.append(change)
    SetupChange.objects.bulk_update(scrubbed, ["before", "after"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("setup", "0004_change_subject_segment"),
        ("connectors", "0002_inbound_hash"),
    ]

    operations = [
        migrations.RunPython(drop_inbound_addresses, migrations.RunPython.noop, elidable=False),
    ]
