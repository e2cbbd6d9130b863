"""The organisation from a file or an API: a unit list checked as a whole, planned, then
applied in one transaction.

A row is a unit by its code: name, kind, parent code, time zone, attributes and optionally
the people who manage it (email and role). Syncing is two steps. `plan_sync` says what would
change (added, renamed, moved, changed, reopened, closed; people invited, given another role,
removed) and writes nothing; `do_apply_sync` plans again inside one transaction and applies
exactly that plan. A unit missing from the rows is only reported unless `close_missing` asks
to close it (closing keeps its history; nothing is deleted), and a person missing from a
unit's list only reported unless `remove_missing_members`. Moves go through
`accounts.actions.do_move_unit`, so past answers keep their attribution; invitations through
`accounts.actions.do_invite_member`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction

from touchpoint.accounts import actions as accounts
from touchpoint.accounts.models import Account, MemberInvitation, Membership, Unit
from touchpoint.setup.audit import record_change
from touchpoint.setup.models import SetupChange
from touchpoint.setup.unitrows import SyncRefused, Tree, UnitRow, check_rows, load_tree

# A sync never demotes or removes an admin: admins are given their role by hand.
KEPT_ROLES = {Membership.Role.ADMIN}
# What a plan lists. The last two are reports: applying does nothing about them.
CHANGE_KINDS = (
    "added",
    "renamed",
    "moved",
    "changed",
    "reopened",
    "closed",
    "invited",
    "role_changed",
    "removed",
    "missing",
    "member_missing",
)
REPORTS = {"missing", "member_missing"}


class PlanChanged(Exception):
    """The organisation changed since the plan was shown; `plan` is the new one."""

    def __init__(self, plan: Plan) -> None:
        super().__init__("the plan changed")
        self.plan = plan


@dataclass
class Change:
    kind: str
    code: str
    label: str  # where in the source ("line 12"), or "" for something not in it
    before: str = ""
    after: str = ""


@dataclass
class Plan:
    changes: list[Change]
    unchanged: int
    # What applying does, in order.
    adds: list[UnitRow] = field(default_factory=list)
    moves: list[tuple[str, str]] = field(default_factory=list)  # (code, new parent code)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    closes: list[int] = field(default_factory=list)
    invites: list[tuple[str, str, str]] = field(default_factory=list)  # (code, email, role)
    role_changes: list[tuple[int, str]] = field(default_factory=list)  # (membership, role)
    removals: list[int] = field(default_factory=list)  # memberships
    revocations: list[int] = field(default_factory=list)  # member invitations

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(CHANGE_KINDS, 0)
        for change in self.changes:
            counts[change.kind] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(c.kind not in REPORTS for c in self.changes)

    @property
    def digest(self) -> str:
        data = json.dumps([asdict(c) for c in self.changes], sort_keys=True).encode()
        return hashlib.sha256(data).hexdigest()

    def by_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "unchanged": self.unchanged,
            "changes": [asdict(c) for c in self.changes[:limit]],
        }


# --- planning -----------------------------------------------------------------------------


def _depths(tree: Tree, rows: list[UnitRow]) -> dict[str, int]:
    """Each unit's depth in the tree after the sync (the rows are known to be acyclic)."""
    parent_of = {code: tree.parent_code(u) for code, u in tree.units.items()}
    for row in rows:
        parent_of[row.code] = row.parent
    depth: dict[str, int] = {}
    for start in parent_of:
        chain, code = [], start
        while code and code not in depth:
            chain.append(code)
            code = parent_of.get(code, "")
        base = depth[code] if code else -1
        for n, item in enumerate(reversed(chain), start=1):
            depth[item] = base + n
    return depth


def plan_sync(
    tree: Tree,
    rows: list[UnitRow],
    *,
    close_missing: bool = False,
    remove_missing_members: bool = False,
    members_only: bool = False,
    by=None,
) -> Plan:
    """What applying the (checked) rows would change. Writes nothing."""
    plan = Plan(changes=[], unchanged=0)
    if not members_only:
        _plan_units(plan, tree, rows, close_missing=close_missing)
    _plan_people(
        plan,
        tree,
        rows,
        remove=remove_missing_members and not members_only,
        by=by,
        report_missing=not members_only,
    )
    return plan


def _plan_units(plan: Plan, tree: Tree, rows: list[UnitRow], *, close_missing: bool) -> None:
    depth = _depths(tree, rows)
    add, move = [], []
    for row in rows:
        unit = tree.units.get(row.code)
        if unit is None:
            add.append(row)
            where = f"{row.name} ({row.kind})" + (f" under {row.parent}" if row.parent else "")
            plan.changes.append(Change("added", row.code, row.label, after=where))
            continue
        before = len(plan.changes)
        update: dict[str, Any] = {}
        if row.name != unit.name:
            update["name"] = row.name
            plan.changes.append(Change("renamed", row.code, row.label, unit.name, row.name))
        if row.parent != tree.parent_code(unit):
            move.append((row.code, row.parent))
            plan.changes.append(
                Change("moved", row.code, row.label, tree.parent_code(unit), row.parent)
            )
        for name in ("kind", "time_zone", "attributes"):
            old, new = getattr(unit, name), getattr(row, name)
            if old != new:
                update[name] = new
                plan.changes.append(
                    Change("changed", row.code, row.label, _show(name, old), _show(name, new))
                )
        if not unit.is_active:
            update["is_active"] = True
            plan.changes.append(Change("reopened", row.code, row.label, after=row.name))
        if update:
            plan.updates[row.code] = update
        if len(plan.changes) == before:
            plan.unchanged += 1
    plan.adds = sorted(add, key=lambda r: depth[r.code])
    plan.moves = sorted(move, key=lambda m: depth[m[0]])
    in_file = {row.code for row in rows}
    for code, unit in tree.units.items():
        if code in in_file or not unit.is_active or unit.depth == 0:
            continue
        if close_missing:
            plan.closes.append(unit.pk)
            plan.changes.append(Change("closed", code, "", unit.name))
        else:
            plan.changes.append(Change("missing", code, "", unit.name))


def _show(name: str, value: Any) -> str:
    if name == "attributes":
        return f"attributes: {json.dumps(value, sort_keys=True, ensure_ascii=False)}"
    return f"{name}: {value or '—'}"


def _plan_people(
    plan: Plan, tree: Tree, rows: list[UnitRow], *, remove: bool, by, report_missing: bool
) -> None:
    me = getattr(by, "pk", None) if by is not None and hasattr(by, "get_username") else None
    invited: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for (unit_id, email), (pk, role) in tree.invitations.items():
        invited[unit_id].append((email, pk, role))
    for row in rows:
        if row.managers is None:
            continue
        unit = tree.units.get(row.code)
        current = (
            {
                email: (pk, role, user)
                for pk, email, role, user in tree.members.get(unit.pk, [])
                if email
            }
            if unit
            else {}
        )
        wanted = dict(row.managers)
        for email, role in row.managers:
            if email in current:
                pk, held, _user = current[email]
                if held != role and held not in KEPT_ROLES:
                    plan.role_changes.append((pk, role))
                    plan.changes.append(
                        Change(
                            "role_changed",
                            row.code,
                            row.label,
                            f"{email}: {held}",
                            f"{email}: {role}",
                        )
                    )
                continue
            pending = tree.invitations.get((unit.pk, email)) if unit else None
            if pending and pending[1] == role:
                continue
            plan.invites.append((row.code, email, role))
            plan.changes.append(Change("invited", row.code, row.label, after=f"{email} ({role})"))
        if not report_missing or unit is None:
            continue
        for email, (pk, role, user) in sorted(current.items()):
            if email in wanted or role in KEPT_ROLES or user == me:
                continue
            plan.changes.append(
                Change(
                    "removed" if remove else "member_missing",
                    row.code,
                    row.label,
                    f"{email} ({role})",
                )
            )
            if remove:
                plan.removals.append(pk)
        for email, pk, role in sorted(invited.get(unit.pk, [])):
            if email not in wanted:
                plan.changes.append(
                    Change(
                        "removed" if remove else "member_missing",
                        row.code,
                        row.label,
                        f"{email} ({role}, invited)",
                    )
                )
                if remove:
                    plan.revocations.append(pk)


# --- applying -----------------------------------------------------------------------------


def prepare(
    account: Account,
    rows: list[UnitRow],
    *,
    members_only: bool = False,
    close_missing: bool = False,
    remove_missing_members: bool = False,
    by=None,
) -> Plan:
    """Check and plan without writing; SyncRefused lists every problem."""
    tree = load_tree(account, with_people=any(r.managers is not None for r in rows))
    errors = check_rows(
        tree, rows, close_missing=close_missing, members_only=members_only, by=_person(by)
    )
    if errors:
        raise SyncRefused(errors)
    return plan_sync(
        tree,
        rows,
        close_missing=close_missing,
        remove_missing_members=remove_missing_members,
        members_only=members_only,
        by=_person(by),
    )


def _person(by):
    """The person acting, or None for the account itself (a file, an API key, a command)."""
    return by if by is not None and hasattr(by, "get_username") else None


def do_apply_sync(
    account: Account,
    rows: list[UnitRow],
    *,
    by=None,
    close_missing: bool = False,
    remove_missing_members: bool = False,
    members_only: bool = False,
    expected_digest: str = "",
    source: str = "",
) -> Plan:
    """Plan again and apply, all in one transaction. With `expected_digest`, refuse
    (PlanChanged) when the plan is no longer the one that was shown."""
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()  # one sync at a time
        plan = prepare(
            account,
            rows,
            members_only=members_only,
            close_missing=close_missing,
            remove_missing_members=remove_missing_members,
            by=by,
        )
        if expected_digest and plan.digest != expected_digest:
            raise PlanChanged(plan)
        if plan.has_changes:
            _apply(account, plan, by=_person(by))
            record_change(
                account,
                by,
                SetupChange.Subject.PEOPLE if members_only else SetupChange.Subject.UNITS,
                "synced",
                label=source,
                after={
                    "counts": {k: v for k, v in plan.counts.items() if v and k not in REPORTS},
                    "changes": [asdict(c) for c in plan.changes if c.kind not in REPORTS],
                },
            )
    return plan


def _apply(account: Account, plan: Plan, *, by) -> None:
    units = {u.code: u for u in Unit.objects.filter(account=account)}
    for unit in units.values():
        unit.account = account  # one object for all: invitations and their emails use it
    specs = [
        accounts.UnitSpec(
            kind=row.kind,
            code=row.code,
            name=row.name,
            parent=units.get(row.parent) or row.parent or None,
            time_zone=row.time_zone,
            attributes=row.attributes,
        )
        for row in plan.adds
    ]
    units.update(accounts.do_create_units(account=account, specs=specs))
    for code, parent in plan.moves:
        accounts.do_move_unit(unit=units[code], new_parent=Unit.objects.get(pk=units[parent].pk))
    changed = []
    for code, update in plan.updates.items():
        unit = units[code]
        for name, value in update.items():
            setattr(unit, name, value)
        changed.append(unit)
    if changed:
        fields = sorted({name for update in plan.updates.values() for name in update})
        Unit.objects.bulk_update(changed, fields, batch_size=500)
    if plan.closes:
        for start in range(0, len(plan.closes), 500):
            Unit.objects.filter(pk__in=plan.closes[start : start + 500]).update(is_active=False)
    accounts.do_invite_members(
        by=by, invites=[(units[code], email, role) for code, email, role in plan.invites]
    )
    memberships = Membership.objects.select_related("unit").in_bulk(
        [pk for pk, _role in plan.role_changes] + plan.removals
    )
    for pk, role in plan.role_changes:
        accounts.do_change_membership(by=by, membership=memberships[pk], role=role)
    for pk in plan.removals:
        accounts.do_remove_membership(by=by, membership=memberships[pk])
    for invitation in MemberInvitation.objects.select_related("unit").filter(
        pk__in=plan.revocations
    ):
        accounts.do_revoke_member_invitation(by=by, invitation=invitation)
