"""Judging alerts each week, notifying the managers who hold the unit, and muting.

`evaluate_alerts(now)` is what the worker calls periodically (it is cheap when nothing is
due: one small query per account). For each account, once per closed local week (from Monday
06:00 in the account's time zone):

1. claim the week with a unique row (`AlertCheck`), so any number of workers judge it once;
2. find the watched units: those a manager or admin holds, and those with a target;
3. count each unit's windows from the rollups, a handful of statements for all units;
4. run each registered condition (`conditions.CONDITIONS`) on each unit's week; a condition
   that counts more than the NPS histograms (theme spikes) counts once for all units, kept
   in the week's `conditions.Evaluation`;
5. open an alert for a finding that holds and has none open (`rules.step`), clear an open
   one whose condition is gone; a new alert publishes the domain event `alert.opened`
   (webhooks, connectors) and emails the holders through the notifications outbox, in
   their preference, unless they muted it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from touchpoint.accounts.access import paths_q, top_units
from touchpoint.accounts.models import Account, Membership, Unit
from touchpoint.alerts import conditions, rules
from touchpoint.alerts.models import Alert, AlertCheck, AlertMute
from touchpoint.events import actions as events
from touchpoint.lib import nps
from touchpoint.notifications.actions import do_notify
from touchpoint.reports.counting import histograms
from touchpoint.reports.params import ReportRequest
from touchpoint.targets.actions import targets_for
from touchpoint.targets.models import Target

JUDGE_AT = dt.time(6, 0)  # local time on Monday from which last week is judged
HOLDER_ROLES = (Membership.Role.ADMIN, Membership.Role.MANAGER)
DAY = dt.timedelta(days=1)


def closed_week(account: Account, now: dt.datetime) -> dt.date:
    """The Sunday ending the latest local week that may be judged at `now`."""
    zone = ZoneInfo(account.time_zone)
    local = now.astimezone(zone)
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local < dt.datetime.combine(monday, JUDGE_AT, tzinfo=zone):
        monday -= 7 * DAY
    return monday - DAY


def evaluate_alerts(now: dt.datetime | None = None, *, accounts=None) -> dict[str, int]:
    """Judge every account's (or these accounts') week once; returns counts (accounts
    judged, alerts opened, alerts cleared)."""
    now = now or timezone.now()
    done = {"accounts": 0, "opened": 0, "cleared": 0}
    for account in Account.objects.all() if accounts is None else accounts:
        sunday = closed_week(account, now)
        if AlertCheck.objects.filter(account=account, week_end=sunday).exists():
            continue
        try:
            with transaction.atomic():
                check = AlertCheck.objects.create(account=account, week_end=sunday, started_at=now)
                check.units, check.opened, check.cleared = _judge(account, sunday, now)
                check.save(update_fields=["units", "opened", "cleared"])
        except IntegrityError:  # another worker claimed this week first
            continue
        done["accounts"] += 1
        done["opened"] += check.opened
        done["cleared"] += check.cleared
    return done


def watched_units(account: Account) -> list[Unit]:
    """Units someone holds as manager or admin, and units with a target (their own or their
    kind's)."""
    held = Membership.objects.filter(unit__account=account, role__in=HOLDER_ROLES).values("unit_id")
    targeted = Target.objects.filter(account=account)
    kinds = set(targeted.filter(unit__isnull=True).values_list("kind", flat=True))
    own = targeted.filter(unit__isnull=False).values("unit_id")
    return list(
        Unit.objects.filter(account=account, is_active=True)
        .filter(Q(pk__in=held) | Q(pk__in=own) | Q(kind__in=kinds))
        .select_related("account")
        .order_by("path")
    )


def _counts(root: Unit, ids: list[int], start: dt.date, end: dt.date) -> dict[int, nps.Counts]:
    """Each unit's answers over [start, end] (subtree totals from the rollups)."""
    if not ids:
        return {}
    found = histograms(ReportRequest(unit=root, start=start, end=end), ("unit",), units=ids)
    zero = [0] * 11
    return {i: nps.Counts.from_histogram(found.get((i,), zero)) for i in ids}


def _judge(account: Account, sunday: dt.date, now: dt.datetime) -> tuple[int, int, int]:
    units = watched_units(account)
    if not units:
        return 0, 0, 0
    root = units[0]
    ids = [u.pk for u in units]
    week = _counts(root, ids, sunday - 6 * DAY, sunday)
    windows = {u.pk: rules.windows(sunday, week[u.pk].n) for u in units}
    counted: dict[tuple[dt.date, dt.date], dict[int, nps.Counts]] = {}

    def counts_of(unit_id: int, window: rules.Window) -> nps.Counts:
        span = (window.start, window.end)
        if span not in counted:
            same = [i for i in ids if _spans(windows[i], span)]
            counted[span] = _counts(root, same, *span)
        return counted[span][unit_id]

    targets = targets_for(units)
    priors = _priors(root, units, windows, targets, counted)
    evaluation = conditions.Evaluation(account=account, sunday=sunday, units=units, windows=windows)
    opened_alerts: dict[tuple[int, str, str], Alert] = {
        (a.unit_id, a.kind, a.key): a
        for a in Alert.objects.filter(account=account, state=Alert.State.OPEN)
    }
    opened = cleared = 0
    for unit in units:
        w = windows[unit.pk]
        target = targets.get(unit.pk)
        unit_week = conditions.UnitWeek(
            unit=unit,
            windows=w,
            now=counts_of(unit.pk, w.current),
            previous=counts_of(unit.pk, w.previous),
            baseline=counts_of(unit.pk, w.baseline),
            target=target.nps if target else None,
            prior=priors.get((unit.kind, w.rolling)),
            evaluation=evaluation,
        )
        for condition in conditions.CONDITIONS:
            findings = {(f.kind, f.key): f for f in condition.findings(unit_week)}
            for u, kind, key in list(opened_alerts):
                if u == unit.pk and kind in condition.kinds and (kind, key) not in findings:
                    findings[(kind, key)] = rules.Finding(kind, False, True, "", key=key)
            for (kind, key), finding in findings.items():
                alert = opened_alerts.get((unit.pk, kind, key))
                action = rules.step(alert is not None, finding)
                if action == "open":
                    _open(unit, w.current, finding, now)
                    opened += 1
                elif action == "clear" and alert is not None:
                    Alert.objects.filter(pk=alert.pk).update(
                        state=Alert.State.CLEARED, cleared_at=now
                    )
                    cleared += 1
    return len(units), opened, cleared


def _spans(w: rules.Windows, span: tuple[dt.date, dt.date]) -> bool:
    return span in {(x.start, x.end) for x in (w.current, w.previous, w.baseline)}


def _priors(root, units, windows, targets, counted) -> dict:
    """The empirical-Bayes prior of each kind with a target, from every unit of that kind in
    the account over the same window (weekly or rolling)."""
    out = {}
    for kind in {u.kind for u in units if u.pk in targets}:
        peers = list(
            Unit.objects.filter(account_id=root.account_id, kind=kind).values_list("pk", flat=True)
        )
        for rolling in (False, True):
            sample = next((w for w in windows.values() if w.rolling == rolling), None)
            if sample is None:
                continue
            found = _counts(root, peers, sample.current.start, sample.current.end)
            out[(kind, rolling)] = nps.dirichlet_prior([c for c in found.values() if c.n])
    return out


def holders(unit: Unit) -> list:
    """The managers and admins of the unit, or of its nearest ancestor that has some."""
    by_unit = defaultdict(list)
    for m in Membership.objects.filter(
        unit_id__in=unit.ancestor_ids, role__in=HOLDER_ROLES, user__is_active=True
    ).select_related("user"):
        by_unit[m.unit_id].append(m.user)
    for unit_id in reversed(unit.ancestor_ids):
        if by_unit.get(unit_id):
            return by_unit[unit_id]
    return []


def _open(unit: Unit, window: rules.Window, finding: rules.Finding, now: dt.datetime) -> Alert:
    title = finding.title or str(
        conditions.TITLES.get(finding.kind, finding.kind.replace("_", " ").capitalize())
    )
    alert = Alert.objects.create(
        account_id=unit.account_id,
        unit=unit,
        kind=finding.kind,
        key=finding.key,
        title=title,
        summary=finding.summary,
        evidence=finding.evidence,
        window_start=window.start,
        window_end=window.end,
        window_name=window.name,
        opened_at=now,
    )
    muted = set(
        AlertMute.objects.filter(unit=unit, kind__in=(finding.kind, "")).values_list(
            "user_id", flat=True
        )
    )
    url = settings.SITE_URL + reverse("alert", args=[alert.pk])
    # The domain event reaches webhook endpoints and connectors through the events outbox;
    # the managers get their email here, in their preference, unless they muted it.
    events.publish(
        [
            events.new(
                "alert.opened",
                account_id=unit.account_id,
                subject=alert,
                data=alert_data(alert),
                summary=f"{title} at {unit.name}: {finding.summary} <{url}>",
            )
        ]
    )
    do_notify(
        account=unit.account,
        event_type="alert.opened",
        dedupe_key=f"alert:{alert.pk}",
        users=[u for u in holders(unit) if u.pk not in muted],
        template="alerts/email/alert",
        context={"alert": alert, "unit": unit, "url": url, "links": evidence_links(alert)},
    )
    return alert


def evidence_links(alert: Alert, *, absolute: bool = True) -> list[tuple[str, str]]:
    """(label, URL) of the pages behind the alert: its condition's own (a theme spike: the
    unit's themes and the comments about the theme), else the unit's dashboard and its
    answers over the alert's window. Absolute for emails, paths for pages."""
    own = conditions.EVIDENCE.get(alert.kind)
    if own is not None:
        links = own(alert)
    else:
        query = f"from={alert.window_start.isoformat()}&to={alert.window_end.isoformat()}"
        links = [
            (
                gettext("The dashboard over that window"),
                f"{reverse('unit', args=[alert.unit_id])}?{query}",
            ),
            (gettext("Read the answers"), f"{reverse('responses')}?unit={alert.unit_id}&{query}"),
        ]
    site = settings.SITE_URL if absolute else ""
    return [(label, f"{site}{path}") for label, path in links]


def alert_data(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "key": alert.key,
        "state": alert.state,
        "title": alert.title,
        "summary": alert.summary,
        "unit": {"id": alert.unit_id, "code": alert.unit.code, "name": alert.unit.name},
        "window": {
            "from": alert.window_start.isoformat(),
            "to": alert.window_end.isoformat(),
            "name": alert.window_name,
        },
        "evidence": alert.evidence,
        "opened_at": alert.opened_at.isoformat(),
        "url": settings.SITE_URL + reverse("alert", args=[alert.pk]),
    }


# --- reading and muting -------------------------------------------------------------------


def scoped_alerts(user) -> QuerySet[Alert]:
    return Alert.objects.filter(paths_q(top_units(user), field="unit__path")).select_related("unit")


def access_alert(user, pk: int) -> Alert:
    alert = scoped_alerts(user).filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


@transaction.atomic
def do_mute(*, user, unit: Unit, kind: str = "") -> AlertMute:
    """No more alerts of `kind` (blank: any) at `unit` for this person."""
    mute, _ = AlertMute.objects.get_or_create(user=user, unit=unit, kind=kind)
    return mute


@transaction.atomic
def do_unmute(*, user, unit: Unit, kind: str = "") -> None:
    AlertMute.objects.filter(user=user, unit=unit, kind=kind).delete()


def mutes_of(user) -> set[tuple[int, str]]:
    return set(AlertMute.objects.filter(user=user).values_list("unit_id", "kind"))
