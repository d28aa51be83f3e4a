"""What the buyer reads on the order page and in the wallet: for each amount paid, what it was,
why (the rule in plain words, from the clause's own text and the recorded inputs) and when;
and, for an order still open, what more may come ("若48小时后仍未发货，将按缺货再赔 ¥5.00").
Chinese and English; times in platform time written out (never a UTC ISO string), money in
yuan. Pure: rows, rulebook and clock in, texts out."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pledge.compensation.policy import compensation_clause, share_of_paid
from pledge.compensation.wording import money, when
from pledge.kernel.errors import NotFound
from pledge.kernel.money import format_rate
from pledge.lateship.policy import pending_parts
from pledge.orders.model import OrderStatus
from pledge.rulebooks.loader import Clause, Rulebook

TITLES = {
    "late_ship": ("发货超时赔付", "Late shipment"),
    "out_of_stock": ("缺货赔付", "Out of stock"),
    "slow_tracking": ("物流轨迹超时赔付", "Slow tracking"),
    "abnormal_tracking": ("物流轨迹异常赔付", "Abnormal tracking"),
    "fraudulent_shipping": ("欺诈发货赔付", "Fraudulent shipping"),
    "booked_delivery": ("预约达超时赔付", "Booked delivery late"),
}
# The official texts the clauses cite, by the names the platform gives them.
RULES = {
    "douyin:aJoPPkWZ7VQM": (
        "《【商家-发货超时】实施细则》（2026年8月10日修订）",
        "Douyin late-shipment rules (revised 2026-08-10)",
    ),
    "douyin:aHwH9wK4Je2N": ("《【商家-发货超时】实施细则》", "Douyin late-shipment rules"),
    "douyin:aHwHGWzbmk88": ("《【商家-缺货/无货】实施细则》", "Douyin out-of-stock rules"),
    "douyin:aHwHroCPheig": ("《【商家-物流轨迹超时】实施细则》", "Douyin slow-tracking rules"),
    "douyin:aHzmeN9E9dBF": ("《【商家-物流轨迹异常】实施细则》", "Douyin abnormal-tracking rules"),
    "douyin:aJo44CiDDaqb": (
        "《【商家-欺诈发货】实施细则》（2026年8月3日修订）",
        "Douyin fraudulent-shipping rules (revised 2026-08-03)",
    ),
    "douyin:aHwH9wK4JyWJ": ("《【商家-欺诈发货】实施细则》", "Douyin fraudulent-shipping rules"),
    "tmall:10000177": ("《淘宝网发货管理规范》", "Taobao shipping rules"),
}
FINDINGS = {
    "empty_parcel": ("发空包", "an empty parcel"),
    "wrong_item": ("买A发B", "a wrong item"),
    "short": ("短装", "a parcel more than half short"),
}


def _zh(lang: str) -> bool:
    return lang == "zh_CN"


def _t(lang: str, zh: str, en: str) -> str:
    return zh if _zh(lang) else en


def _at(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _known_at(value) -> datetime:
    """A time the compensation's inputs always record (ship_by, booked_delivery_by)."""
    at = _at(value)
    if at is None:
        raise ValueError("the compensation's inputs lack a time its wording needs")
    return at


def source_url(source: str) -> str | None:
    """The official page of a `douyin:ID` citation."""
    if not source.startswith("douyin:"):
        return None
    rule_id = source.split(":", 1)[1]
    kind = "rules" if rule_id.isdigit() else "article"
    return f"https://school.jinritemai.com/doudian/web/{kind}/{rule_id}"


def clause_at(book: Rulebook, clause_id: str, at: datetime | None) -> Clause | None:
    """The version of a clause in force at `at` (its latest version when `at` is unknown)."""
    day = at.astimezone(ZoneInfo(book.timezone)).date() if at else date.max
    found = [c for c in book.clauses if c.id == clause_id and c.effective <= day]
    return max(found, key=lambda c: c.effective) if found else None


def _amount_words(clause: Clause, paid_fen: int, amount_fen: int, lang: str) -> str:
    rate, low, high = clause.get("rate_bp"), clause.get("min_fen"), clause.get("max_fen")
    return _t(
        lang,
        f"实付{money(paid_fen)}的{format_rate(rate)}（四舍五入到元，最低{money(low)}，最高{money(high)}），"
        f"赔付{money(amount_fen)}",
        f"{format_rate(rate)} of the {money(paid_fen)} you paid (rounded to whole yuan, at least "
        f"{money(low)}, "
        f"at most {money(high)}): {money(amount_fen)}",
    )


def _late_ship_why(comp: dict, book: Rulebook, clause: Clause, lang: str) -> str:
    inputs = comp["inputs"]
    ship_by, shipped = _known_at(inputs.get("ship_by")), _at(inputs.get("shipped_at"))
    tz = book.timezone
    promised = _t(
        lang,
        f"商家承诺{when(ship_by, tz, lang)}前发货，",
        f"The shop promised to ship by {when(ship_by, tz, lang)}; ",
    )
    state = _t(
        lang,
        f"实际{when(shipped, tz, lang)}才发货。" if shipped else "到期仍未发货。",
        f"it shipped only {when(shipped, tz, lang)}. " if shipped else "it had not shipped by then. ",
    )
    if comp["amount_fen"] == 0:
        limit = clause.get("promise_max_h")
        return (
            promised
            + state
            + _t(
                lang,
                f"承诺{limit}小时内发货的订单，这一项不赔付；超时48小时后仍未发货的，另按缺货赔付。",
                f"For a promise of up to {limit} h this part pays nothing; an order still unshipped "
                f"48 h later is paid as out of stock.",
            )
        )
    return (
        promised
        + state
        + _amount_words(clause, inputs["paid_fen"], comp["amount_fen"], lang)
        + _t(lang, "。", ".")
    )


def _trigger_words(comp: dict, book: Rulebook, lang: str) -> str:
    inputs = comp["inputs"]
    trigger = clause_at(book, inputs.get("trigger_clause") or "", _at(inputs.get("paid_at")))
    kind = comp["kind"]
    if kind == "out_of_stock" and trigger is not None and trigger.get("trigger") == "unshipped_after_late":
        ship_by, hours = _known_at(inputs.get("ship_by")), trigger.get("hours")
        return _t(
            lang,
            f"超过承诺发货时间（{when(ship_by, book.timezone, lang)}）{hours}小时仍未发货，按缺货/无货处理，"
            f"与发货超时赔付同时发起、各付一次。",
            f"Still not shipped {hours} h after the promised time ({when(ship_by, book.timezone, lang)}): "
            "out of "
            f"stock, paid in addition to the late-shipment part, each once. ",
        )
    if kind == "fraudulent_shipping":
        zh, en = FINDINGS.get(inputs.get("finding"), ("", ""))
        note = inputs.get("note") or ""
        return _t(
            lang,
            f"平台核实：{zh}{f'（{note}）' if note else ''}。",
            f"The platform found {en}{f' ({note})' if note else ''}. ",
        )
    if kind == "booked_delivery":
        by = _known_at(inputs.get("booked_delivery_by"))
        return _t(
            lang,
            f"你预约{when(by, book.timezone, lang)}前送达，包裹未按时送达签收。",
            f"You booked delivery by {when(by, book.timezone, lang)}; the parcel was not delivered in time. ",
        )
    if trigger is not None:
        return _t(lang, f"{trigger.text}。", f"{trigger.text_en}. ")
    return ""


def paid_notice(comp: dict, book: Rulebook, lang: str) -> dict:
    """One compensation row (with its inputs decoded) as the buyer reads it."""
    zh_title, en_title = TITLES.get(comp["kind"], (comp["kind"], comp["kind"]))
    inputs = comp["inputs"] or {}
    clause = clause_at(book, comp["clause_id"], _at(inputs.get("paid_at")))
    if clause is None:  # a clause of another rulebook: its recorded explanation is all there is
        body = comp["explanation_zh"] if _zh(lang) else comp["explanation"]
    elif comp["kind"] == "late_ship":
        body = _late_ship_why(comp, book, clause, lang)
    else:
        body = (
            _trigger_words(comp, book, lang)
            + _amount_words(clause, inputs["paid_fen"], comp["amount_fen"], lang)
            + _t(lang, "。", ".")
        )
    if comp["amount_fen"] > 0:
        body += _t(
            lang,
            f"已作为无门槛券放入你的钱包（{when(comp['created_at'], book.timezone, lang)}发放），"
            "由商家承担。",
            " A no-threshold coupon of that amount went into your wallet on "
            f"{when(comp['created_at'], book.timezone, lang)}, "
            f"paid by the shop.",
        )
    rule_zh, rule_en = RULES.get(comp["clause_source"], (comp["clause_source"], comp["clause_source"]))
    title = _t(lang, zh_title, en_title) + (
        f" {money(comp['amount_fen'])}" if comp["amount_fen"] else _t(lang, "：本项不赔付", ": nothing")
    )
    return {
        "kind": comp["kind"],
        "order_id": comp["order_id"],
        "amount_fen": comp["amount_fen"],
        "title": title,
        "body": body,
        "rule": _t(lang, rule_zh, rule_en),
        "url": source_url(comp["clause_source"]),
        "clause_id": comp["clause_id"],
    }


def ahead_notices(order: dict, book: Rulebook, now: datetime, lang: str) -> list[str]:
    """What an open order may still earn, and from when."""
    texts: list[str] = []
    paid_before = any(c["amount_fen"] > 0 for c in order.get("compensations", []))
    if order["status"] == OrderStatus.PAID and order.get("ship_by") and not order.get("late_exempt_reason"):
        for at, part in pending_parts(
            book, paid_fen=order["paid_fen"], paid_at=order["paid_at"], ship_by_at=order["ship_by"], now=now
        ):
            if part.amount_fen <= 0:
                continue
            shown = when(at - timedelta(seconds=1), book.timezone, lang)
            if part.rule == "late_ship":
                texts.append(
                    _t(
                        lang,
                        f"若商家未在{shown}前发货，将自动赔付你{money(part.amount_fen)}无门槛券（发货超时）。",
                        f"If the shop has not shipped by {shown}, you automatically receive a "
                        f"{money(part.amount_fen)} "
                        f"no-threshold coupon (late shipment).",
                    )
                )
                paid_before = True
            else:
                hours = part.trigger.get("hours") if part.trigger is not None else None
                again = _t(lang, "再" if paid_before else "", " more" if paid_before else "")
                texts.append(
                    _t(
                        lang,
                        f"若{hours}小时后（{shown}）仍未发货，将按缺货{again}赔 {money(part.amount_fen)}。",
                        f"If it is still not shipped {hours} h later ({shown}), you receive "
                        f"{money(part.amount_fen)}"
                        f"{again} as out of stock.",
                    )
                )
    texts += _booked_delivery_ahead(order, book, now, lang)
    return texts


def _booked_delivery_ahead(order: dict, book: Rulebook, now: datetime, lang: str) -> list[str]:
    by = order.get("booked_delivery_by")
    if (
        by is None
        or order.get("delivered_at") is not None
        or now > by
        or order["status"] == OrderStatus.CANCELLED
    ):
        return []
    try:
        clause = compensation_clause(
            book, "booked_delivery", order["paid_at"], promise_span=None, paid_fen=order["paid_fen"]
        )
    except NotFound:
        return []
    amount = share_of_paid(clause, order["paid_fen"])[0]
    shown = when(by, book.timezone, lang)
    return [
        _t(
            lang,
            f"你预约{shown}前送达；若未按时送达，将赔付你{money(amount)}（预约达超时）。",
            f"You booked delivery by {shown}; if it arrives later, you receive {money(amount)} (booked "
            "delivery late).",
        )
    ]


def order_notices(order: dict, book: Rulebook, now: datetime, lang: str) -> dict:
    """Everything the order page says about compensation."""
    paid = [paid_notice(c, book, lang) for c in order.get("compensations", [])]
    return {
        "paid": paid,
        "ahead": ahead_notices(order, book, now, lang),
        "total_fen": sum(p["amount_fen"] for p in paid),
    }
