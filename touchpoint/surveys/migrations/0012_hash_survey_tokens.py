"""Hash the survey links already made, so that a database dump opens none of them.

- Every clear token becomes its SHA-256 in `token_hash`, and the clear column is emptied
  (0013 drops it): a link already sent keeps opening its survey and its unsubscribe page.
- An invitation sent with reminders still to come needs a link its reminders can rebuild: it
  gets a derived one (a nonce and its hash), and the hash of the link already sent is kept
  as a `LegacyLink`, so both open the survey.
- An invitation not sent yet keeps the hash of a link no one has; the outbox gives it a
  derived one when it composes it (surveys/delivery.py).

Going back cannot restore the tokens: the links of the invitations would stop opening.
"""

from django.db import migrations

from touchpoint.lib import links

PURPOSE = "survey"  # touchpoint.surveys.tokens.PURPOSE
BATCH = 1000


def hash_tokens(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    Reminder = apps.get_model("surveys", "Reminder")
    LegacyLink = apps.get_model("surveys", "LegacyLink")
    reminded = set(
        Reminder.objects.filter(state__in=("pending", "sending")).values_list(
            "invitation_id", flat=True
        )
    )
    with_token = Invitation.objects.filter(token__isnull=False).order_by("pk")
    last = 0
    while True:
        # By key ranges, not a cursor: SQLite does not isolate a read from writes to the
        # same table on one connection.
        rows = list(with_token.filter(pk__gt=last).only("pk", "token")[:BATCH])
        if not rows:
            break
        legacy = []
        for invitation in rows:
            sent_hash = links.digest(invitation.token)
            if invitation.pk in reminded:
                legacy.append(LegacyLink(token_hash=sent_hash, invitation_id=invitation.pk))
                invitation.token_nonce, invitation.token_hash = links.mint(PURPOSE)
            else:
                invitation.token_hash = sent_hash
            invitation.token = None
        Invitation.objects.bulk_update(rows, ["token", "token_nonce", "token_hash"])
        LegacyLink.objects.bulk_create(legacy)
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0011_invitation_token_hash"),
    ]

    operations = [
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=False),
    ]
