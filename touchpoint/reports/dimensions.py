"""Declared segment dimensions: which contact attributes and interaction properties an
account reports by from segment rollups, and the values each keeps rollups for.

- `check_dimension_name`, `do_declare_dimension`, `do_drop_dimension`: an account admin's
  choices (setup pages and API); declaring queues the backfill, which the worker runs
  (`reports.folding`); dropping deletes the dimension's rollups and nothing else.
- `Buckets`: the value rollups an answer's segment text goes to, admitting new values up to
  the cap (only the fold and the rebuild call it, under the account's fold lock).
- `declared`: what a report needs to know of a dimension to read it (state, values).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from touchpoint.accounts.models import Account
from touchpoint.lib import segments
from touchpoint.reports.models import Dimension, DimensionValue, FoldState
from touchpoint.reports.rollups import locked
from touchpoint.responses.models import Response

CAP = 200
MAX_DIMENSIONS = 20


class DimensionError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_dimension_name(name: object) -> str:
    """contact.<attribute> or interaction.<property>, as filters name them."""
    if not isinstance(name, str) or not name.strip():
        raise DimensionError("name", "give contact.<attribute> or interaction.<property>")
    name = name.strip()
    source, _key = segments.split(name)
    if not source:
        raise DimensionError(
            "name",
            f"{name!r} is not contact.<attribute> or interaction.<property> (letters, digits, "
            "- and _, at most 60)",
        )
    return name


def check_cap(cap: object) -> int:
    if cap is None or cap == "":
        return CAP
    try:
        value = int(str(cap))
    except ValueError:
        raise DimensionError("cap", "must be a whole number from 2 to 1000") from None
    if not 2 <= value <= 1000:
        raise DimensionError("cap", "must be a whole number from 2 to 1000")
    return value


def do_declare_dimension(
    account: Account, name: object, *, cap: object = None, by: str = "", now=None
) -> tuple[Dimension, bool]:
    """Make a segment reportable from rollups. Returns the dimension and whether it is new;
    declaring one already declared changes nothing (its cap is fixed once declared: its
    values are already chosen). The worker counts the past answers into its rollups."""
    name, cap = check_dimension_name(name), check_cap(cap)
    found = Dimension.objects.filter(account=account, name=name).first()
    if found is not None:
        return found, False
    if Dimension.objects.filter(account=account).count() >= MAX_DIMENSIONS:
        raise DimensionError("name", f"an account declares at most {MAX_DIMENSIONS} dimensions")
    FoldState.objects.get_or_create(account=account)
    try:
        with transaction.atomic():
            dimension = Dimension.objects.create(
                account=account,
                name=name,
                cap=cap,
                declared_at=now or timezone.now(),
                declared_by=by[:200],
                backfill_total=Response.objects.filter(account=account).count(),
            )
    except IntegrityError:  # declared at the same moment by someone else
        return Dimension.objects.get(account=account, name=name), False
    return dimension, True


def do_drop_dimension(dimension: Dimension) -> None:
    """Forget a dimension and its rollups (taken under the account's fold lock, so no fold
    is writing them meanwhile). No other figure changes: filters on it read raw answers."""
    with transaction.atomic():
        locked(dimension.account_id, wait=True)
        Dimension.objects.filter(pk=dimension.pk).delete()


# --- Values ---------------------------------------------------------------------------------


@dataclass
class Buckets:
    """A dimension's value rollups: the id of the rollup row set an answer's segment text
    counts in. A value seen for the first time is admitted while the dimension holds fewer
    than `cap` values; afterwards new values count as "other". Answers without the segment
    count under "" (no value), which takes no place under the cap."""

    dimension: Dimension
    ids: dict[str, int] = field(default_factory=dict)
    other: int | None = None

    @classmethod
    def load(cls, dimension: Dimension) -> Buckets:
        buckets = cls(dimension)
        for pk, value, is_other in DimensionValue.objects.filter(dimension=dimension).values_list(
            "pk", "value", "is_other"
        ):
            if is_other:
                buckets.other = pk
            else:
                buckets.ids[value] = pk
        return buckets

    @property
    def admitted(self) -> int:
        return len(self.ids) - ("" in self.ids)

    def __call__(self, text: str) -> int:
        found = self.ids.get(text)
        if found is not None:
            return found
        if text and self.admitted >= self.dimension.cap:
            if self.other is None:
                self.other = self._add("", is_other=True)
            return self.other
        self.ids[text] = self._add(text)
        return self.ids[text]

    def _add(self, text: str, *, is_other: bool = False) -> int:
        made, _ = DimensionValue.objects.get_or_create(
            dimension=self.dimension, value=text, is_other=is_other
        )
        return made.pk


# --- What reports read ----------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """A declared dimension as a report sees it: ready or not, and its value rollups."""

    id: int
    name: str
    ready: bool
    percent: int
    cap: int
    ids: dict[str, int]  # value text -> id ("" = no value)
    other: int | None  # the "other" bucket, once the cap is reached
    labels: dict[int, str]  # id -> value text ("" = no value)
    declared_at: dt.datetime

    @property
    def full(self) -> bool:
        return self.other is not None or len(self.ids) - ("" in self.ids) >= self.cap


def declared(account_id: int, name: str) -> Declared | None:
    dimension = Dimension.objects.filter(account_id=account_id, name=name).first()
    if dimension is None:
        return None
    ids, other = {}, None
    for pk, value, is_other in DimensionValue.objects.filter(dimension=dimension).values_list(
        "pk", "value", "is_other"
    ):
        if is_other:
            other = pk
        else:
            ids[value] = pk
    return Declared(
        id=dimension.pk,
        name=dimension.name,
        ready=dimension.state == Dimension.State.READY,
        percent=dimension.percent,
        cap=dimension.cap,
        ids=ids,
        other=other,
        labels={pk: value for value, pk in ids.items()},
        declared_at=dimension.declared_at,
    )


def account_dimensions(account_id: int) -> list[Dimension]:
    return list(Dimension.objects.filter(account_id=account_id).order_by("name"))
