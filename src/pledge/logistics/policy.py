"""Pure evaluation of the logistics rules (RULES.md §1): slow tracking (douyin:aHwHroCPheig),
abnormal tracking (douyin:aHzmeN9E9dBF), out of stock after a tracking number without a real
shipment (douyin:aHwHGWzbmk88; "48 h after going late" is the late-ship table's second column
and is quoted by lateship.policy), fraudulent shipping (douyin:aJo44CiDDaqb), booked delivery
(douyin:aJoPPkWZ7VQM 2.3) and the late-rate sanctions (douyin:aJoPPkWZ7VQM). No database: the
sweeps feed in scans and times, the CLI or a backtest could do the same."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pledge.compensation.policy import compensation_clause, share_of_paid
from pledge.compensation.wording import when_en, when_zh
from pledge.kernel.clock import local_time, zone
from pledge.kernel.money import format_rate, format_yuan
from pledge.rulebooks.loader import Clause, Rulebook

# The carrier event kinds Pledge understands. picked_up is the pickup scan (揽收), in_transit a
# transfer or sorting-centre scan (分拨), returned a return to sender or a cancelled waybill not
# asked for by the buyer, refused a parcel going back because the buyer refused it or asked for
# it back (拒收 / 应买家要求退回: not a recall, douyin:aHzmeN9E9dBF "非消费者意愿"), exception any
# other carrier report (it counts as a scan, nothing more).
EVENT_KINDS = ("picked_up", "in_transit", "delivered", "returned", "refused", "exception")
ENDING_KINDS = ("delivered", "returned", "refused")

# Rule names are the rulebook kinds of their trigger clauses and the compensation kinds.
SHIPMENT_RULES = ("slow_tracking", "abnormal_tracking", "out_of_stock")
SHIPMENT_TRIGGERS = ("no_pickup", "no_hub_scan", "scan_gap", "pickup_before_payment", "recalled")

RULE_NAMES = {
    "slow_tracking": ("slow tracking", "物流轨迹超时"),
    "abnormal_tracking": ("abnormal tracking", "物流轨迹异常"),
    "out_of_stock": ("out of stock", "缺货/无货"),
    "fraudulent_shipping": ("fraudulent shipping", "欺诈发货"),
    "booked_delivery": ("booked delivery late", "预约达超时"),
}


@dataclass(frozen=True)
class Scan:
    kind: str
    at: datetime


@dataclass(frozen=True)
class Finding:
    """A rule broken: which clause, when, and what happened (English and Chinese)."""

    clause: Clause
    at: datetime
    detail_en: str
    detail_zh: str


@dataclass(frozen=True)
class Verdict:
    finding: Finding | None
    final: bool  # True: nothing that happens later can change the outcome


def _h(delta: timedelta, zh: bool = False) -> str:
    """'30 h 5 min' / '30小时5分' (Chinese text holds Chinese units, issue 17)."""
    seconds = int(delta.total_seconds())
    h, rest = divmod(seconds, 3600)
    if zh:
        return f"{h}小时" + (f"{rest // 60}分" if rest // 60 else "")
    return f"{h} h" + (f" {rest // 60} min" if rest // 60 else "")


def _ts(at: datetime) -> str:
    return when_en(at)


def _ts_zh(at: datetime) -> str:
    return when_zh(at)


def route_class(book: Rulebook, at: datetime, origin: str | None, destination: str | None) -> tuple[str, str]:
    """same_province | cross_province | remote, and why. Unknown provinces take the
    rulebook's default (Pledge: the longest limit, so no merchant is charged on a guess)."""
    routes = book.in_force("tracking_routes", at)
    if origin and destination and routes:
        table = routes[0]
        if origin in table.get("remote", []) or destination in table.get("remote", []):
            return "remote", f"{origin} → {destination}"
        if origin == destination or any(origin in r and destination in r for r in table.get("regions", [])):
            return "same_province", f"{origin} → {destination}"
        return "cross_province", f"{origin} → {destination}"
    unknown = book.in_force("tracking_route_unknown", at)
    return (unknown[0].get("route") if unknown else "remote"), "route unknown"


def _first(scans: list[Scan], kinds: tuple[str, ...], after: datetime | None = None) -> Scan | None:
    return next((s for s in scans if s.kind in kinds and (after is None or s.at >= after)), None)


@dataclass(frozen=True)
class _Track:
    """What one trigger clause is checked against: the parcel's scans at or before `now`, in
    time order, and the order's times. `ended`: the parcel was delivered, returned or refused."""

    uploaded_at: datetime
    paid_at: datetime
    scans: list[Scan]
    route: str
    ended: bool
    now: datetime

    @property
    def pickup(self) -> Scan | None:
        return _first(self.scans, ("picked_up",))


# One trigger's check: (finding or None, pending: a later scan or time could still change it).
_Check = tuple[Finding | None, bool]


def _no_pickup(clause: Clause, hours: int, t: _Track) -> _Check:
    deadline = t.uploaded_at + timedelta(hours=hours)
    pickup = t.pickup
    if pickup is not None and pickup.at <= deadline:
        return None, False
    if t.now > deadline:
        return Finding(
            clause,
            deadline,
            f"tracking number uploaded {_ts(t.uploaded_at)}, no pickup scan within {hours} h",
            f"{_ts_zh(t.uploaded_at)}上传运单号，{hours}小时内无揽收记录",
        ), False
    return None, True


def _no_hub_scan(clause: Clause, hours: int, t: _Track) -> _Check:
    pickup = t.pickup
    if pickup is None:
        return None, not t.ended
    deadline = pickup.at + timedelta(hours=hours)
    hub = _first(t.scans, ("in_transit",), after=pickup.at)
    if hub is not None and hub.at <= deadline:
        return None, False
    if t.now > deadline:
        return Finding(
            clause,
            deadline,
            f"picked up {_ts(pickup.at)}, no sorting-centre scan within {hours} h",
            f"{_ts_zh(pickup.at)}揽收，{hours}小时内无分拨中心记录",
        ), False
    return None, True


def _scan_gap(clause: Clause, hours: int, t: _Track) -> _Check:
    if clause.get("route") != t.route:
        return None, False
    pickup = t.pickup
    hub = _first(t.scans, ("in_transit",), after=pickup.at if pickup else None)
    if hub is None:
        return None, not t.ended
    limit = timedelta(hours=hours)
    chain = [s.at for s in t.scans if s.at >= hub.at]
    end = _first(t.scans, ENDING_KINDS, after=hub.at)
    points = chain if end is None else [at for at in chain if at <= end.at]
    if end is None:
        points = points + [t.now]
    for before, after in zip(points, points[1:], strict=False):
        if after - before > limit:
            return Finding(
                clause,
                before + limit,
                f"no scan for {_h(after - before)} after {_ts(before)} (limit {hours} h, {t.route})",
                f"{_ts_zh(before)}后{_h(after - before, zh=True)}无轨迹更新（时限{hours}小时）",
            ), False
    return None, end is None


def _pickup_before_payment(clause: Clause, hours: int, t: _Track) -> _Check:
    first = t.scans[0] if t.scans else None
    if first is not None and first.at < t.paid_at:
        return Finding(
            clause,
            first.at,
            f"first scan {_ts(first.at)} is before payment {_ts(t.paid_at)}",
            f"首条轨迹{_ts_zh(first.at)}早于支付时间{_ts_zh(t.paid_at)}",
        ), False
    return None, first is None and not t.ended


def _recalled(clause: Clause, hours: int, t: _Track) -> _Check:
    returned = _first(t.scans, ("returned",))
    if returned is not None:
        return Finding(
            clause,
            returned.at,
            f"parcel returned to sender {_ts(returned.at)}",
            f"{_ts_zh(returned.at)}包裹被退回（非消费者意愿）",
        ), False
    return None, not t.ended


# Each trigger a shipment rule's clause can name, and its check (SHIPMENT_TRIGGERS lists them).
TRIGGER_CHECKS: dict[str, Callable[[Clause, int, _Track], _Check]] = {
    "no_pickup": _no_pickup,
    "no_hub_scan": _no_hub_scan,
    "scan_gap": _scan_gap,
    "pickup_before_payment": _pickup_before_payment,
    "recalled": _recalled,
}


def _trigger(
    clause: Clause,
    *,
    uploaded_at: datetime,
    paid_at: datetime,
    scans: list[Scan],
    route: str,
    ended: bool,
    now: datetime,
) -> tuple[Finding | None, bool]:
    """One trigger clause: (finding or None, pending). `scans` are those at or before now, in time order."""
    check = TRIGGER_CHECKS.get(clause.get("trigger"))
    if check is None:
        return None, False
    return check(clause, clause.get("hours"), _Track(uploaded_at, paid_at, scans, route, ended, now))


def tracking_verdict(
    book: Rulebook,
    rule: str,
    *,
    uploaded_at: datetime,
    paid_at: datetime,
    scans: list[Scan],
    route: str,
    now: datetime,
) -> Verdict:
    """A shipment under one rule: the earliest finding of its trigger clauses, or clear once
    no trigger can fire any more."""
    seen = sorted((s for s in scans if s.at <= now), key=lambda s: s.at)
    ended = _first(seen, ENDING_KINDS) is not None
    findings, pending = [], False
    for clause in book.in_force(rule, paid_at):
        if clause.get("trigger") not in SHIPMENT_TRIGGERS:
            continue
        found, waiting = _trigger(
            clause, uploaded_at=uploaded_at, paid_at=paid_at, scans=seen, route=route, ended=ended, now=now
        )
        if found is not None:
            findings.append(found)
        pending = pending or waiting
    if findings:
        return Verdict(min(findings, key=lambda f: (f.at, f.clause.id)), True)
    return Verdict(None, not pending)


@dataclass(frozen=True)
class Quote:
    amount_fen: int
    clause: Clause
    explanation_en: str
    explanation_zh: str
    inputs: dict = field(default_factory=dict)


def quote(
    book: Rulebook,
    rule: str,
    finding: Finding | None,
    *,
    paid_fen: int,
    promise_span: timedelta | None,
    at: datetime,
    now: datetime,
    trigger_text: tuple[str, str] | None = None,
) -> Quote:
    """The compensation a rule pays the buyer: rate of what was paid, rounded half-up to whole
    yuan (douyin:aHwH9wK4JUHQ), within the clause's minimum and maximum. `at` chooses the
    clauses in force (the payment time), `now` is when it was decided."""
    clause = compensation_clause(book, rule, at, promise_span=promise_span, paid_fen=paid_fen)
    amount, steps, steps_zh = share_of_paid(clause, paid_fen)
    name_en, name_zh = RULE_NAMES[rule]
    what_en, what_zh = trigger_text or ((finding.detail_en, finding.detail_zh) if finding else ("", ""))
    cited = f" ({finding.clause.id} [{finding.clause.source}])" if finding else ""
    promise = f", promise {_h(promise_span)}" if promise_span is not None else ""
    promise_zh = f"，承诺{_h(promise_span, zh=True)}内发货" if promise_span is not None else ""
    explanation_en = (
        f"{name_en}: {what_en}{cited}; paid {format_yuan(paid_fen)}{promise} → clause {clause.id} "
        f"{steps} yuan [{clause.source}]"
    )
    explanation_zh = (
        f"{name_zh}：{what_zh}{cited}；实付{format_yuan(paid_fen)}元{promise_zh} → 条款 {clause.id} "
        f"{steps_zh} 元 [{clause.source}]"
    )
    inputs = {
        "paid_fen": paid_fen,
        "paid_at": at,
        "promise_seconds": int(promise_span.total_seconds()) if promise_span is not None else None,
        "trigger_clause": finding.clause.id if finding else None,
        "violated_at": finding.at if finding else None,
        "evaluated_at": now,
    }
    return Quote(amount, clause, explanation_en, explanation_zh, inputs)


# --- Sanctions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRate:
    due: int
    late: int

    def meets(self, clause: Clause) -> bool:
        """late / due >= min rate, and at least the minimum number of late orders."""
        return (
            self.due > 0
            and self.late * 10_000 >= clause.get("min_rate_bp") * self.due
            and self.late >= clause.get("min_late")
        )

    def text(self) -> str:
        return f"{self.late}/{self.due}"


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=zone(tz))
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(tz))


def next_local_midnight(at: datetime, tz: str) -> datetime:
    return day_bounds(local_time(at, tz).date(), tz)[1]


def sanction_reason(clause: Clause, days: list[tuple[date, DayRate]]) -> tuple[str, str]:
    rates = "; ".join(f"{d.isoformat()}: {r.text()} late" for d, r in days)
    rates_zh = "；".join(f"{d.isoformat()}：应发{r.due}单，超时{r.late}单" for d, r in days)
    if clause.get("sanction") == "product_ban":
        effect, effect_zh = "product banned from sale", "商品封禁"
    elif clause.get("daily_limit") == 0:
        effect, effect_zh = (
            f"no orders for {clause.get('duration_days')} days",
            f"限制成交0单/日，执行{clause.get('duration_days')}天",
        )
    else:
        effect = f"at most {clause.get('daily_limit')} orders a day for {clause.get('duration_days')} days"
        effect_zh = f"限制成交{clause.get('daily_limit')}单/日，执行{clause.get('duration_days')}天"
    threshold = (
        f"late rate ≥ {format_rate(clause.get('min_rate_bp'))} with ≥ {clause.get('min_late')} late orders"
    )
    if clause.get("days_running", 1) > 1:
        threshold += f", {clause.get('days_running')} days running"
    reason = (
        f"{rates} ({threshold}) → {effect}; lifted the day after the late orders are all picked up "
        f"(clause {clause.id} [{clause.source}])"
    )
    reason_zh = (
        f"{rates_zh} → {effect_zh}；超时订单全部发货揽收后次日解除（条款 {clause.id} [{clause.source}]）"
    )
    return reason, reason_zh
