import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Circuits are new. SmsSettings moves here from the sms app (transports read it and sit
    below the app that receives SMS): the table keeps its name and its rows, only Django's
    idea of which app owns it changes."""

    dependencies = [
        ("accounts", "0004_memberinvitation"),
        ("outbox", "0002_capturedsms"),
        ("sms", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Circuit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("destination", models.CharField(max_length=300, unique=True)),
                ("state", models.CharField(choices=[("open", "Down: waiting"), ("probing", "Down: one message is trying")], default="open", max_length=10)),
                ("failures", models.PositiveIntegerField(default=1)),
                ("opened_at", models.DateTimeField()),
                ("retry_at", models.DateTimeField()),
                ("last_error", models.CharField(blank=True, max_length=500)),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SmsSettings",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("provider", models.CharField(choices=[("twilio", "Twilio")], default="twilio", max_length=20)),
                        ("account_sid", models.CharField(db_index=True, max_length=34, validators=[django.core.validators.RegexValidator("^AC[0-9a-fA-F]{32}$", "A Twilio account SID: AC + 32 hex.")], verbose_name="account SID")),
                        ("auth_token", models.CharField(max_length=64)),
                        ("from_number", models.CharField(blank=True, help_text="The sender number, or leave blank and give a messaging service.", max_length=20, validators=[django.core.validators.RegexValidator("^\\+[1-9]\\d{6,14}$", "An E.164 number, e.g. +447700900123.")])),
                        ("messaging_service_sid", models.CharField(blank=True, max_length=34, validators=[django.core.validators.RegexValidator("^MG[0-9a-fA-F]{32}$", "A messaging service SID: MG + 32 hex.")], verbose_name="messaging service SID")),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("account", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="sms_settings", to="accounts.account")),
                    ],
                    options={
                        "verbose_name": "SMS settings",
                        "verbose_name_plural": "SMS settings",
                        "db_table": "sms_smssettings",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
