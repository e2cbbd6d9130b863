"""Connectors' inbound keys stored as hashes, so that a database dump cannot post events.

- Each clear key becomes its SHA-256 in `inbound_hash`, with no nonce: the address already
  given to the vendor keeps working (a presented key is looked up by its hash), but it can
  no longer be shown; a new one made on the connector's page is derived (lib/links.py).
- The audit of each connector's creation held its inbound address: setup's 0005 takes it out.

Going back cannot restore the keys (only their hashes are kept): each connector gets a new
clear key, and its new address must be given to the vendor again.
"""

import secrets

from django.db import migrations, models

from touchpoint.lib import links

BATCH = 500


def hash_inbound_keys(apps, schema_editor):
    Connector = apps.get_model("connectors", "Connector")
    # All at once: an account has one connector per vendor, a few thousand rows at most.
    rows = list(Connector.objects.only("pk", "inbound_key").order_by("pk"))
    for connector in rows:
        connector.inbound_hash = links.digest(connector.inbound_key)
        connector.inbound_nonce = ""
    Connector.objects.bulk_update(rows, ["inbound_hash", "inbound_nonce"], batch_size=BATCH)


def give_new_inbound_keys(apps, schema_editor):
    Connector = apps.get_model("connectors", "Connector")
    rows = list(Connector.objects.only("pk").order_by("pk"))
    for connector in rows:
        connector.inbound_key = "tpi_" + secrets.token_urlsafe(24)
    Connector.objects.bulk_update(rows, ["inbound_key"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="connector",
            name="inbound_nonce",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="connector",
            name="inbound_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="connector",
            name="inbound_key",
            field=models.CharField(max_length=60, null=True),
        ),
        migrations.RunPython(hash_inbound_keys, give_new_inbound_keys, elidable=False),
        migrations.RemoveField(
            model_name="connector",
            name="inbound_key",
        ),
        migrations.AlterField(
            model_name="connector",
            name="inbound_hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="connector",
            constraint=models.UniqueConstraint(
                fields=("inbound_hash",), name="one_connector_per_inbound_hash"
            ),
        ),
    ]
