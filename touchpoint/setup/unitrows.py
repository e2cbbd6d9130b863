"""Unit rows: the organisation as a file or the API gives it, and the checks that refuse a
list as a whole, each problem with its line and field.

The file is CSV (UTF-8, a header line), one unit a line:

    code,name,kind,parent,time_zone,managers,attribute.format
    nimbus,Nimbus Mobile,brand,,Europe/London,,
    region-de,Germany,region,nimbus,Europe/Berlin,anna@nimbus.example:manager,
    store-berlin-1,Berlin Mitte,store,region-de,,jan@nimbus.example; eva@nimbus.example:viewer,mall

`parent` is the parent's code (empty only for a brand); `time_zone` blank means the parent's;
`managers` lists emails, each with `:role` (admin, manager, viewer, frontline; manager when
left out), separated by `;`; each `attribute.<name>` column is one attribute (blank: none).
Without a `managers` column people are left alone. For people only (from `/people/`), `code`
and `managers` are enough.
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from touchpoint.accounts import actions as accounts
from touchpoint.accounts.models import Account, MemberInvitation, Membership, Unit
from touchpoint.intake.schemas import validate_email

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
KINDS = tuple(Unit.Kind.values)
ROLES = tuple(Membership.Role.values)
COLUMNS = ("code", "name", "kind", "parent", "time_zone", "managers")
ATTRIBUTE = "attribute."
MAX_ROWS = 100_000


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@dataclass
class UnitRow:
    """One unit as the file or the API gives it. `managers` None: the source says nothing
    about people (no managers column), so memberships are left alone."""

    label: str  # "line 12" or "units[3]", to name errors
    code: str
    name: str = ""
    kind: str = ""
    parent: str = ""
    time_zone: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    managers: list[tuple[str, str]] | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitRow:
        managers = data.get("managers")
        if managers is not None:
            managers = [tuple(m) for m in managers]
        return cls(**{**data, "managers": managers})


class SyncRefused(Exception):
    """The rows cannot be applied; `errors` lists each problem as {"field", "message"}."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


# --- the organisation as it is ------------------------------------------------------------


@dataclass
class Tree:
    units: dict[str, Unit]  # by code
    code_of: dict[int, str]
    members: dict[int, list[tuple[int, str, str, int]]]  # unit id: (membership, email, role, user)
    invitations: dict[tuple[int, str], tuple[int, str]]  # (unit id, email): (invitation, role)

    def parent_code(self, unit: Unit) -> str:
        return self.code_of.get(unit.parent_id, "") if unit.parent_id else ""


def load_tree(account: Account, *, with_people: bool) -> Tree:
    units = list(
        Unit.objects.filter(account=account).only(
            "id",
            "code",
            "name",
            "kind",
            "parent_id",
            "time_zone",
            "attributes",
            "is_active",
            "path",
            "depth",
            "account_id",
        )
    )
    members: dict[int, list] = defaultdict(list)
    invitations: dict[tuple[int, str], tuple[int, str]] = {}
    if with_people:
        rows = Membership.objects.filter(unit__account=account).values_list(
            "pk", "unit_id", "role", "user_id", "user__email", "user__username"
        )
        for pk, unit_id, role, user_id, email, username in rows:
            address = (email or (username if "@" in username else "")).lower()
            members[unit_id].append((pk, address, role, user_id))
        open_ones = MemberInvitation.objects.filter(
            account=account,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).values_list("pk", "unit_id", "email", "role")
        for pk, unit_id, email, role in open_ones:
            invitations[(unit_id, email)] = (pk, role)
    return Tree(
        units={u.code: u for u in units},
        code_of={u.pk: u.code for u in units},
        members=members,
        invitations=invitations,
    )


# --- checking -----------------------------------------------------------------------------


def _err(errors: list, row: UnitRow, name: str, message: str) -> None:
    errors.append({"field": f"{row.label}.{name}", "message": message})


def check_rows(
    tree: Tree,
    rows: list[UnitRow],
    *,
    close_missing: bool = False,
    members_only: bool = False,
    by=None,
) -> list[dict[str, str]]:
    """Every reason the rows cannot be applied, each naming its line and field."""
    errors: list[dict[str, str]] = []
    seen: dict[str, str] = {}
    in_file = {row.code for row in rows}
    for row in rows:
        if not row.code:
            _err(errors, row, "code", _("is empty"))
        elif not SLUG_RE.match(row.code) or len(row.code) > 80:
            _err(errors, row, "code", _("use letters, digits, - and _ only (at most 80)"))
        elif row.code in seen:
            _err(
                errors,
                row,
                "code",
                _("%(code)s repeats %(where)s") % {"code": row.code, "where": seen[row.code]},
            )
        else:
            seen[row.code] = row.label
        if members_only:
            # Outside the person's part of the tree a unit does not exist for them.
            unit = tree.units.get(row.code)
            if unit is not None and by is not None and accounts.role_over(by, unit) is None:
                unit = None
            if row.code and unit is None:
                _err(errors, row, "code", _("no unit with code %(code)s") % {"code": row.code})
                continue
            _check_managers(errors, row, unit, by)
            continue
        _check_unit(errors, tree, row, in_file)
        _check_managers(errors, row, None, None)
    if not members_only:
        _check_shape(errors, tree, rows, close_missing=close_missing)
    return sorted(errors, key=lambda e: _position(e["field"]))


def _position(field: str) -> int:
    """12 for "line 12.parent" or "units[12].code": errors are listed in file order."""
    found = re.search(r"\d+", field)
    return int(found.group()) if found else 0


def _check_unit(errors: list, tree: Tree, row: UnitRow, in_file: set[str]) -> None:
    existing = tree.units.get(row.code)
    if not row.name.strip():
        _err(errors, row, "name", _("is empty"))
    elif len(row.name) > 200:
        _err(errors, row, "name", _("is longer than 200 characters"))
    if row.kind not in KINDS:
        _err(errors, row, "kind", _("must be one of %(kinds)s") % {"kinds": ", ".join(KINDS)})
    elif existing is not None and (row.kind == Unit.Kind.BRAND) != (
        existing.kind == Unit.Kind.BRAND
    ):
        _err(errors, row, "kind", _("a brand stays a brand, and only a root is one"))
    if row.kind == Unit.Kind.BRAND and row.parent:
        _err(errors, row, "parent", _("a brand is the root of its tree: leave it empty"))
    elif row.kind in KINDS and row.kind != Unit.Kind.BRAND and not row.parent:
        _err(errors, row, "parent", _("give the parent's code (only a brand has none)"))
    elif row.parent == row.code:
        _err(errors, row, "parent", _("a unit cannot be its own parent"))
    elif row.parent and row.parent not in in_file and row.parent not in tree.units:
        _err(
            errors,
            row,
            "parent",
            _("no unit with code %(code)s, in the file or the tree") % {"code": row.parent},
        )
    if row.time_zone and row.time_zone not in time_zones():
        _err(
            errors,
            row,
            "time_zone",
            _("%(zone)s is not a known time zone (e.g. Europe/Paris)") % {"zone": row.time_zone},
        )
    if not isinstance(row.attributes, dict) or any(
        not isinstance(k, str) or not k or len(k) > 60 for k in row.attributes
    ):
        _err(errors, row, "attributes", _("names of 1 to 60 characters"))


def _check_managers(errors: list, row: UnitRow, unit: Unit | None, by) -> None:
    if row.managers is None:
        return
    listed: set[str] = set()
    for email, role in row.managers:
        try:
            validate_email(email)
        except ValidationError:
            _err(errors, row, "managers", _("%(email)s is not an email address") % {"email": email})
            continue
        if role not in ROLES:
            _err(
                errors,
                row,
                "managers",
                _("%(role)s is not a role (%(roles)s)") % {"role": role, "roles": ", ".join(ROLES)},
            )
        elif unit is not None and by is not None:
            try:
                accounts.check_may_grant(by, unit=unit, role=role)
            except accounts.PeopleError as error:
                _err(errors, row, "managers", f"{email}: {error}")
        if email in listed:
            _err(errors, row, "managers", _("%(email)s is listed twice") % {"email": email})
        listed.add(email)


def _check_shape(errors: list, tree: Tree, rows: list[UnitRow], *, close_missing: bool) -> None:
    """The tree after the sync: no cycles, no unit under a closed one."""
    parent_of = {code: tree.parent_code(u) for code, u in tree.units.items()}
    in_file = {row.code for row in rows}
    for row in rows:
        parent_of[row.code] = row.parent
    good: set[str] = set()
    for row in rows:
        chain, code = [row.code], row.code
        while parent_of.get(code) and code not in good:
            code = parent_of[code]
            if code in chain:
                loop = [*chain[chain.index(code) :], code]
                if row.code not in loop:
                    break  # it leads into a cycle, which is reported on the rows that make it
                _err(
                    errors, row, "parent", _("makes a cycle: %(loop)s") % {"loop": " → ".join(loop)}
                )
                break
            chain.append(code)
        else:
            good.update(chain)
        parent = tree.units.get(row.parent)
        if parent is None or row.parent in in_file:
            continue
        if close_missing and parent.depth > 0:
            _err(
                errors,
                row,
                "parent",
                _("%(code)s is not in the file, so closing missing units would close it: add it")
                % {"code": row.parent},
            )
        elif not parent.is_active:
            _err(
                errors,
                row,
                "parent",
                _("%(code)s is closed: list it to reopen it") % {"code": row.parent},
            )


# --- reading a file -------------------------------------------------------------------------


def parse_managers(cell: str) -> list[tuple[str, str]]:
    """ "ana@x.com:manager; bob@x.com" -> [("ana@x.com", "manager"), ("bob@x.com", "manager")]"""
    out = []
    for entry in re.split(r"[;\n]", cell or ""):
        entry = entry.strip()
        if entry:
            email, _sep, role = entry.partition(":")
            out.append((email.strip().lower(), role.strip().lower() or Membership.Role.MANAGER))
    return out


def read_unit_csv(
    source: Iterable[str] | str, *, members_only: bool = False
) -> tuple[list[UnitRow], list[dict[str, str]]]:
    """The rows of a unit file, or the problems of its header (each naming the column)."""
    if isinstance(source, str):
        source = io.StringIO(source)
    reader = csv.reader(source)
    header = [h.strip() for h in next(reader, [])]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    needed = ("code", "managers") if members_only else ("code", "name", "kind", "parent")
    errors = [
        {
            "field": f"line 1.{name}",
            "message": _("the file needs a %(name)s column") % {"name": name},
        }
        for name in needed
        if name not in header
    ]
    for name in header:
        if name not in COLUMNS and not (name.startswith(ATTRIBUTE) and len(name) > len(ATTRIBUTE)):
            errors.append(
                {
                    "field": f"line 1.{name or '?'}",
                    "message": _("unknown column; the columns are %(columns)s and attribute.<name>")
                    % {"columns": ", ".join(COLUMNS)},
                }
            )
    if len(set(header)) != len(header):
        errors.append({"field": "line 1", "message": _("a column is repeated")})
    if errors:
        return [], errors
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            return [], [{"field": f"line {number}", "message": _("at most 100,000 units a file")}]
        if len(cells) != len(header):
            errors.append(
                {
                    "field": f"line {number}",
                    "message": _("has %(got)s cells, the header %(want)s")
                    % {"got": len(cells), "want": len(header)},
                }
            )
            continue
        data = dict(zip(header, (c.strip() for c in cells), strict=True))
        rows.append(
            UnitRow(
                label=f"line {number}",
                code=data["code"],
                name=data.get("name", ""),
                kind=data.get("kind", "").lower(),
                parent=data.get("parent", ""),
                time_zone=data.get("time_zone", ""),
                attributes={
                    k[len(ATTRIBUTE) :]: v for k, v in data.items() if k.startswith(ATTRIBUTE) and v
                },
                managers=parse_managers(data["managers"]) if "managers" in data else None,
            )
        )
    return rows, errors
