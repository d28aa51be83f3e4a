"""The bounds of audiences and their campaigns (rulebook clauses `audience_rules`,
`audience_live_notice_limit` and `audience_campaign_terms`, Pledge defaults: the platform's
rules give no figure for shop audiences). Pure: no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pledge.audiences.model import BEHAVIOUR, Rule, RuleKind
from pledge.kernel.errors import InvalidInput
from pledge.kernel.limits import MAX_PRICE_FEN
from pledge.rulebooks.loader import Rulebook


@dataclass(frozen=True)
class RuleBounds:
    clause_id: str
    days_max: int
    rules_max: int


@dataclass(frozen=True)
class LiveNoticeLimit:
    clause_id: str
    notices: int
    window: timedelta


@dataclass(frozen=True)
class CampaignTerms:
    clause_id: str
    coupon_valid_days_max: int
    report_window: timedelta


def rule_bounds(book: Rulebook, at: datetime | date) -> RuleBounds:
    clause = book.one("audience_rules", at)
    return RuleBounds(clause.id, int(clause.get("days_max")), int(clause.get("rules_max")))


def live_notice_limit(book: Rulebook, at: datetime | date) -> LiveNoticeLimit:
    clause = book.one("audience_live_notice_limit", at)
    return LiveNoticeLimit(
        clause.id, int(clause.get("notices")), timedelta(hours=int(clause.get("window_hours")))
    )


def campaign_terms(book: Rulebook, at: datetime | date) -> CampaignTerms:
    clause = book.one("audience_campaign_terms", at)
    return CampaignTerms(
        clause.id,
        int(clause.get("coupon_valid_days_max")),
        timedelta(days=int(clause.get("report_window_days"))),
    )


def _whole(value: object, low: int, high: int, message: str) -> int:
    if type(value) is not int or not low <= value <= high:
        raise InvalidInput(message)
    return value


def check_rules(bounds: RuleBounds, rules: Sequence[Rule]) -> list[Rule]:
    """The audience's rules, refused when there are none or too many, a kind is unknown, a
    behaviour rule's days are out of 1..days_max, or days or a demand go with the wrong kind."""
    if not rules:
        raise InvalidInput("an audience needs at least one rule")
    if len(rules) > bounds.rules_max:
        raise InvalidInput(f"an audience has at most {bounds.rules_max} rules (clause {bounds.clause_id})")
    checked: list[Rule] = []
    for rule in rules:
        try:
            kind = RuleKind(rule.kind)
        except ValueError:
            known = ", ".join(k.value for k in RuleKind)
            raise InvalidInput(f"unknown audience rule {str(rule.kind)[:20]!r}: one of {known}") from None
        if kind in BEHAVIOUR:
            high = bounds.days_max
            _whole(rule.days, 1, high, f"days is a whole number from 1 to {high} (clause {bounds.clause_id})")
        elif rule.days is not None:
            raise InvalidInput(f"a {kind} rule takes no days")
        if rule.demand_id is not None and kind != RuleKind.WISHERS:
            raise InvalidInput("only a wishers rule names a demand")
        checked.append(Rule(kind, rule.days, rule.demand_id))
    return list(dict.fromkeys(checked))  # the same rule twice is the same rule


def check_coupon(
    terms: CampaignTerms, *, amount_fen: object, min_spend_fen: object, valid_days: object
) -> None:
    """A campaign coupon: so much off (1 fen to the price limit), an order of at least so much
    (0: none; otherwise more than the amount), valid 1..coupon_valid_days_max days."""
    amount = _whole(amount_fen, 1, MAX_PRICE_FEN, f"the coupon's amount is 1 to {MAX_PRICE_FEN} fen")
    minimum = _whole(min_spend_fen, 0, MAX_PRICE_FEN, f"the minimum spend is 0 to {MAX_PRICE_FEN} fen")
    if minimum and amount >= minimum:
        raise InvalidInput("a coupon with a minimum spend takes off less than that minimum")
    high = terms.coupon_valid_days_max
    _whole(valid_days, 1, high, f"a campaign coupon is valid 1 to {high} days (clause {terms.clause_id})")
