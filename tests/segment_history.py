"""A random account history for the segment property tests (segment rollups, segment index):
a tree of units, contacts with attributes, answers with segment snapshots whose changes go
to the delta log, then folds, changed scores, moves (and restatements) and erasures in a
random order, all drawn from hypothesis' `data`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from hypothesis import strategies as st

from touchpoint.accounts.actions import do_create_unit, do_move_unit
from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.actions import do_erase_contact
from touchpoint.contacts.models import Contact
from touchpoint.lib.bulk import bulk_insert
from touchpoint.lib.segments import snapshot
from touchpoint.reports import folding, rollups
from touchpoint.responses.actions import attribution_for, do_restate_history
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Touchpoint

FIRST = dt.datetime(2026, 1, 20, tzinfo=dt.UTC)
STEPS = ["answers", "fold", "score", "move", "erase"]
_accounts = itertools.count()


def root(units: list[Unit]) -> Unit:
    brand = units[0]
    brand.refresh_from_db()
    return brand


class History:
    def __init__(self, data, *, attributes: Callable[[int], dict], deliveries: list[str]):
        """An account in a random zone with up to six units, two touchpoints and five
        contacts (`attributes(i)` gives the i-th one's); every interaction carries one of
        `deliveries`, and one unanswered interaction has the first (so that filters may
        name interaction.delivery whatever is answered)."""
        self.data = data
        self.zone = data.draw(st.sampled_from(["UTC", "Europe/Paris", "Pacific/Auckland"]))
        self.deliveries = deliveries
        self.account = Account.objects.create(
            name="H", slug=f"h{next(_accounts)}", time_zone=self.zone
        )
        self.units = [do_create_unit(account=self.account, kind="brand", code="b", name="B")]
        for i in range(data.draw(st.integers(0, 5))):
            parent = data.draw(st.sampled_from(self.units))
            kind = data.draw(st.sampled_from(["region", "store"]))
            self.units.append(
                do_create_unit(
                    account=self.account, kind=kind, code=f"u{i}", name=f"U{i}", parent=parent
                )
            )
        self.touchpoints = [
            Touchpoint.objects.create(account=self.account, slug=f"t{i}", name=f"T{i}")
            for i in range(2)
        ]
        self.contacts = [
            Contact.objects.create(
                account=self.account, email=f"c{i}@x.example", attributes=attributes(i)
            )
            for i in range(5)
        ]
        self.interaction(self.contacts[0], self.units[0], deliveries[0])
        self.made: list[Response] = []

    def interaction(self, contact: Contact, unit: Unit, delivery: str) -> Interaction:
        return Interaction.objects.create(
            account=self.account,
            touchpoint=self.touchpoints[0],
            contact=contact,
            unit=unit,
            occurred_at=FIRST,
            payload_hash="x",
            properties={"delivery": delivery},
        )

    def answers(self, count: int) -> None:
        """`count` answers at random units, with their changes in the log."""
        draw, batch = self.data.draw, []
        for _ in range(count):
            unit = draw(st.sampled_from(self.units))
            unit.refresh_from_db()
            contact = draw(st.sampled_from(self.contacts))
            interaction = self.interaction(contact, unit, draw(st.sampled_from(self.deliveries)))
            batch.append(
                Response(
                    account=self.account,
                    unit=unit,
                    unit_path=unit.path,
                    attribution=attribution_for(unit),
                    touchpoint=draw(st.sampled_from(self.touchpoints)),
                    contact=contact,
                    interaction=interaction,
                    channel=draw(st.sampled_from(["email", "sms"])),
                    score=draw(st.integers(0, 10)),
                    answered_at=FIRST + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 50))),
                    segments=snapshot(contact.attributes, interaction.properties),
                )
            )
        bulk_insert(batch)
        rollups.record(self.account, [rollups.change_of(r, self.zone, plus=r.score) for r in batch])
        self.made.extend(batch)

    def steps(self, *, max_size: int, fold_limits: tuple[int, int]) -> None:
        """New answers, folds (a batch of changes and of each backfill or build), changed
        scores, moves (restating history or not) and erasures, in a random order."""
        draw = self.data.draw
        for step in draw(st.lists(st.sampled_from(STEPS), max_size=max_size)):
            if step == "answers":
                self.answers(draw(st.integers(1, 8)))
            elif step == "fold":
                folding.fold_account(
                    self.account.pk,
                    limit=draw(st.integers(*fold_limits)),
                    backfill=draw(st.integers(1, 10)),
                )
            elif step == "score" and self.made:
                self.change_score(draw(st.sampled_from(self.made)))
            elif step == "move" and len(self.units) > 2:
                moved = draw(st.sampled_from(self.units[1:]))
                target = draw(st.sampled_from(self.units))
                moved.refresh_from_db()
                target.refresh_from_db()
                if not target.path.startswith(moved.path):
                    do_move_unit(unit=moved, new_parent=target)
                    if draw(st.booleans()):
                        do_restate_history(unit=root(self.units))
            elif step == "erase" and len(self.contacts) > 2:
                contact = draw(st.sampled_from(self.contacts[1:]))
                do_erase_contact(contact=contact, source="test")
                self.contacts.remove(contact)  # gone: later answers come from the others

    def change_score(self, response: Response) -> None:
        if not Response.objects.filter(pk=response.pk).exists():
            return  # erased with its contact
        response.refresh_from_db()  # its path, as a restatement may have moved it
        old, response.score = response.score, self.data.draw(st.integers(0, 10))
        Response.objects.filter(pk=response.pk).update(score=response.score)
        if old != response.score:
            rollups.record(
                self.account,
                [rollups.change_of(response, self.zone, plus=response.score, minus=old)],
            )
