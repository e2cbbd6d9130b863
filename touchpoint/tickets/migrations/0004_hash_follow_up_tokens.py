"""Hash the follow-up links already made, and take their tokens out of the queued emails,
so that a database dump opens none of them.

- Every clear token becomes its SHA-256 in `follow_up_hash` and the clear column is emptied
  (0005 drops it): a follow-up link already sent keeps opening its page.
- The follow-up email of each ticket (a notifications delivery) holds the link in its
  bodies. Sent (or failed, or perhaps handed to the mail server when its worker stopped): the
  token is cut out of the stored copy. Still waiting to go: the ticket gets a new, derived
  link that no one has seen yet, and the email keeps only its placeholder, nonce and hash
  (as tickets/actions.py queues follow-ups now).

Going back cannot restore the tokens: the follow-up links would stop opening.
"""

from django.db import migrations

from touchpoint.lib import links

FOLLOW_UP = "follow_up"  # touchpoint.tickets.actions.FOLLOW_UP
REMOVED = "[removed]"
BATCH = 1000


def _waiting(delivery) -> bool:
    return delivery.state == "pending" or (
        delivery.state == "sending" and delivery.handed_off_at is None
    )


def hash_tokens(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Delivery = apps.get_model("notifications", "Delivery")
    with_token = Ticket.objects.filter(follow_up_token__isnull=False).order_by("pk")
    last = 0
    while True:
        tickets = list(with_token.filter(pk__gt=last).only("pk", "follow_up_token")[:BATCH])
        if not tickets:
            break
        emails = {
            d.dedupe_key: d
            for d in Delivery.objects.filter(
                dedupe_key__in=[f"ticket:{t.pk}:follow_up" for t in tickets]
            )
        }
        changed = []
        for ticket in tickets:
            token = ticket.follow_up_token
            ticket.follow_up_hash = links.digest(token)
            ticket.follow_up_token = None
            email = emails.get(f"ticket:{ticket.pk}:follow_up")
            if email is None or not token:
                continue
            if _waiting(email):
                nonce, ticket.follow_up_hash = links.mint(FOLLOW_UP)
                instead = links.placeholder(FOLLOW_UP)
                email.payload = {
                    **(email.payload or {}),
                    "links": {FOLLOW_UP: links.spec(FOLLOW_UP, nonce, ticket.follow_up_hash)},
                }
            else:
                instead = REMOVED
            email.body_text = email.body_text.replace(token, instead)
            email.body_html = email.body_html.replace(token, instead)
            changed.append(email)
        Ticket.objects.bulk_update(tickets, ["follow_up_token", "follow_up_hash"])
        Delivery.objects.bulk_update(changed, ["body_text", "body_html", "payload"])
        last = tickets[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_ticket_follow_up_hash"),
        ("notifications", "0004_endpoint_teams_kind"),
    ]

    operations = [
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=False),
    ]
