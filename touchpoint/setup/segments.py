"""Reportable segments as an account admin sets them (pages and API): declaring a contact
attribute or interaction property a dimension with rollups of its own, or dropping one.
The dimensions themselves are `reports.dimensions`; this records each change in the audit
trail and says what a change means."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account
from touchpoint.reports.dimensions import (
    DimensionError,
    account_dimensions,
    do_declare_dimension,
    do_drop_dimension,
)
from touchpoint.reports.models import Dimension
from touchpoint.reports.params import known_attributes
from touchpoint.setup.audit import SetupError, actor_name, record_change
from touchpoint.setup.models import SetupChange


@dataclass(frozen=True)
class SegmentRow:
    dimension: Dimension
    values: int  # values with rollups of their own
    other: bool  # beyond the cap: the rest count as "other"

    def as_dict(self) -> dict:
        d = self.dimension
        return {
            "name": d.name,
            "state": d.state,
            "progress": d.percent,
            "cap": d.cap,
            "values": self.values,
            "other": self.other,
            "declared_at": d.declared_at,
            "declared_by": d.declared_by,
            "ready_at": d.ready_at,
        }


def segment_rows(account: Account) -> list[SegmentRow]:
    dimensions = account_dimensions(account.pk)
    counts = {
        d.pk: d
        for d in Dimension.objects.filter(account=account).annotate(
            real=Count("values", filter=Q(values__is_other=False) & ~Q(values__value="")),
            over=Count("values", filter=Q(values__is_other=True)),
        )
    }
    return [SegmentRow(d, counts[d.pk].real, bool(counts[d.pk].over)) for d in dimensions]


def candidates(account: Account) -> list[tuple[str, int]]:
    """Attributes seen on the latest answers and not declared yet, with how many distinct
    values the sample holds (a hint: an identifier is no segment)."""
    taken = {d.name for d in account_dimensions(account.pk)}
    out = []
    for source, attributes in known_attributes(account.pk).items():
        for key, values in attributes.items():
            if f"{source}.{key}" not in taken:
                out.append((f"{source}.{key}", len(values)))
    return out


def do_declare_segment(
    account: Account, *, by, name: object, cap: object = None
) -> tuple[Dimension, bool]:
    try:
        with transaction.atomic():
            dimension, made = do_declare_dimension(account, name, cap=cap, by=actor_name(by))
            if made:
                record_change(
                    account,
                    by,
                    SetupChange.Subject.SEGMENT,
                    "declared",
                    key=dimension.name,
                    label=dimension.name,
                    after={"name": dimension.name, "cap": dimension.cap},
                )
    except DimensionError as error:
        raise SetupError(error.message, field=error.field) from None
    return dimension, made


def do_drop_segment(account: Account, *, by, dimension: Dimension) -> None:
    with transaction.atomic():
        do_drop_dimension(dimension)
        record_change(
            account,
            by,
            SetupChange.Subject.SEGMENT,
            "dropped",
            key=dimension.name,
            label=dimension.name,
            before={"name": dimension.name, "cap": dimension.cap},
        )


def state_text(dimension: Dimension) -> str:
    if dimension.state == Dimension.State.READY:
        return _("Ready: reports read its rollups")
    return _("Counting past answers: %(percent)s %% (reports read the raw answers meanwhile)") % {
        "percent": dimension.percent
    }
