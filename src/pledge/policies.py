"""From a clause to its code in one hop: every clause kind of the shipped rulebooks maps to the one
function that applies it, with the clause parameters that function reads.

A rulebook clause is data (src/pledge/rulebooks/*.toml); the function named here is where the
rule becomes behaviour. tests/unit/test_clause_registry.py keeps the map true: no kind in a
shipped rulebook without a function here, no entry here for a kind no rulebook has, and every
parameter a clause declares is one its function reads (a parameter nobody reads fails the test).
Clauses without parameters describe behaviour their function implements in code (for example
"the shortest promise binds").

This module sits in the bootstrap layer: it imports the domain packages, none import it.
`pledge rulebook where CLAUSE_ID` answers from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pledge.aftersales import insurance as aftersales_insurance
from pledge.aftersales import policy as aftersales
from pledge.attribution import tokens as source_tokens
from pledge.audiences import policy as audiences
from pledge.blindboxes import policy as blindboxes
from pledge.chat import policy as chat
from pledge.compensation import policy as compensation
from pledge.compensation import services as compensation_services
from pledge.creators import commissions as creator_commissions
from pledge.creators import marketplace as creator_marketplace
from pledge.creators import policy as creators
from pledge.creators import samples_policy as creator_samples
from pledge.creators import services as creator_services
from pledge.experience import indicators as experience_indicators
from pledge.experience import policy as experience
from pledge.experience import services as experience_services
from pledge.feed import signals as feed_signals
from pledge.governance import creator_ladder
from pledge.governance import policy as governance
from pledge.lateship import policy as lateship
from pledge.lateship import services as lateship_services
from pledge.logistics import policy as logistics
from pledge.logistics import sanctions, timers, webhook
from pledge.logistics import services as logistics_services
from pledge.minors import policy as minors
from pledge.moderation import checks as moderation
from pledge.orders import policy as orders_policy
from pledge.promises import policy as promises
from pledge.reach import quality as reach_quality
from pledge.reviews import services as reviews
from pledge.rulebooks.loader import Clause
from pledge.settlement import availability, deposits, fees, freezes, settling
from pledge.settlement import policy as settlement
from pledge.sms import services as sms
from pledge.warehouse import estimate
from pledge.wishes import policy as wishes

# Keys every clause has (rulebooks.loader.REQUIRED and text_en): not parameters.
COMMON_KEYS = frozenset({"id", "kind", "effective", "source", "text", "text_en"})


@dataclass(frozen=True)
class ClauseReader:
    """`function` applies every clause of `kind`; `reads` names the clause parameters it reads
    (in its own module or in the modules of `helpers`, functions it hands the clause to).
    `fixed` names parameters whose value the code implements rather than reads, with the values
    it implements: the test refuses a clause that declares any other value, so a rulebook that
    changes one fails loudly instead of being ignored."""

    kind: str
    function: Callable[..., object]
    reads: frozenset[str] = frozenset()
    helpers: tuple[Callable[..., object], ...] = ()
    fixed: Mapping[str, tuple[object, ...]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"


def _reader(
    kind: str,
    function: Callable[..., object],
    *reads: str,
    helpers: tuple[Callable[..., object], ...] = (),
    fixed: Mapping[str, tuple[object, ...]] | None = None,
) -> ClauseReader:
    return ClauseReader(kind, function, frozenset(reads), helpers, MappingProxyType(dict(fixed or {})))


_READERS = (
    # Text checks where content enters.
    _reader("moderation_terms", moderation.verdict_for, "category", "listing", "live", "comment"),
    _reader("moderation_offensive", moderation.offensive_verdict, "review_from_pct", "block_from_pct"),
    # Penalties by rulebook and appeals (trust & safety enforcement).
    _reader(
        "penalty_ladder", governance.steps_for, "rungs", "window_days", helpers=(governance.window_start,)
    ),
    _reader("penalty_points", governance.points_of, "points", "valid_days"),
    _reader(
        "creator_penalty_ladder",
        creator_ladder.tier_for,
        "live_sessions",
        "live_in_one_session",
        "video_violations",
        "tiers",
        "window_days",
        helpers=(creator_ladder.steps_of, creator_ladder.window_start),
    ),
    _reader(
        "appeal_window",
        governance.appeal_closes_at,
        "file_within_days",
        "answer_within_working_days",
        "unanswered",
        helpers=(governance.answer_due_at, governance.unanswered_upholds),
    ),
    _reader(
        "creator_appeal_window",
        governance.appeal_closes_at,
        "file_within_days",
        "answer_within_working_days",
        "unanswered",
        helpers=(governance.answer_due_at, governance.unanswered_upholds),
    ),
    # Blind boxes (douyin:aHGYneqr4WDJ) and minors' purchases.
    _reader("blind_box_banned_type", blindboxes.banned_clause, "box_type", "terms"),
    _reader("blind_box_factory_sealed", blindboxes.refuse_unsealed),
    _reader("blind_box_disclosure", blindboxes.check_disclosure, "notice", "notice_en"),
    _reader("blind_box_draw_records", blindboxes.keep_until, "keep_years"),
    _reader(
        "blind_box_minors",
        minors.refuse_blind_box,
        "refuse_under_years",
        "consent_under_years",
        "notice",
        "notice_en",
        helpers=(blindboxes.notices,),
    ),
    _reader("minor_spending_limits", minors.spending_limits, "adult_years", "per_order_fen", "per_month_fen"),
    # The wish pool's wisher offer (a Pledge default).
    _reader(
        "wisher_offer_bounds",
        wishes.offer_bounds,
        "price_valid_days_max",
        "first_access_hours_max",
        "price_off_max_bp",
    ),
    # The feed's ranking with quality and traffic support (Pledge defaults).
    _reader(
        "reach_quality_weights",
        reach_quality.weights,
        "relevance_bp",
        "experience_bp",
        "penalties_bp",
        "late_ship_bp",
    ),
    _reader(
        "reach_quality_factors",
        reach_quality.factors,
        "no_score_points",
        "penalty_cap",
        "late_ship_cap_bp",
        "penalty_window_days",
        "late_ship_window_days",
        helpers=(feed_signals.shop_signals,),
    ),
    _reader("reach_support_bounds", reach_quality.max_boost_bp, "max_boost_bp"),
    # Shop audiences and their campaigns (Pledge defaults).
    _reader("audience_rules", audiences.rule_bounds, "days_max", "rules_max"),
    _reader("audience_live_notice_limit", audiences.live_notice_limit, "notices", "window_hours"),
    _reader(
        "audience_campaign_terms", audiences.campaign_terms, "coupon_valid_days_max", "report_window_days"
    ),
    # The ship promise and what counts as shipped.
    _reader("ship_promise", promises.ship_by, "promise", "cutoff"),
    _reader("ship_promise_conflict", promises.binding_promise),
    _reader("shipped_definition", lateship_services.shipped_time),
    _reader("pickup_scan_grace", lateship_services.shipped_time, "hours"),
    # The late-ship pledge.
    _reader(
        "late_ship",
        lateship.find_late_ship_clause,
        "promise_min_h",
        "promise_max_h",
        "late_min_h",
        "rate_bp",
        "min_fen",
        "max_fen",
        helpers=(compensation.share_of_paid,),
    ),
    _reader(
        "late_ship_over48",
        lateship.quote_late_ship,
        "promise_min_h",
        "promise_max_h",
        "late_min_h",
        "paid_by",
    ),
    _reader("late_ship_payment", compensation_services.pay),
    _reader("late_ship_buyer_daily_cap", lateship_services.sweep_batch, "cap_fen"),
    _reader(
        "late_sanction",
        sanctions.evaluate_sanctions,
        "min_rate_bp",
        "min_late",
        "days_running",
        "daily_limit",
        "sanction",
        "scope",
        "duration_days",
        helpers=(logistics.sanction_reason,),
    ),
    # Logistics.
    _reader("slow_tracking", logistics.tracking_verdict, "trigger", "hours", "route"),
    _reader("abnormal_tracking", logistics.tracking_verdict, "trigger", "hours"),
    _reader("out_of_stock", logistics.tracking_verdict, "trigger", "hours"),
    _reader("tracking_routes", logistics.route_class, "regions", "remote"),
    _reader("tracking_route_unknown", logistics.route_class, "route"),
    _reader(
        "logistics_compensation",
        compensation.compensation_clause,
        "rule",
        "promise_min_h",
        "promise_max_h",
        "paid_min_fen",
        "paid_max_fen",
        "rate_bp",
        "min_fen",
        "max_fen",
    ),
    _reader(
        "fraudulent_shipping", logistics_services.report_fraudulent_shipping, "findings", "short_over_bp"
    ),
    # The sweep is the booked-delivery trigger: a parcel not delivered by the booked time.
    _reader(
        "booked_delivery",
        timers.sweep_booked_delivery_batch,
        fixed={"trigger": ("not_delivered_by_booked_time",)},
    ),
    _reader("unshipped_close", timers.close_unshipped, "days"),
    _reader("carrier_event_age", webhook.max_event_age, "max_age_hours"),
    _reader("carrier_transit", estimate.transit, "carrier", "hours"),
    # Orders.
    _reader("ship_reminder", orders_policy.ship_reminder_interval, "hours"),
    # Accounts: sign-up verification codes.
    _reader(
        "sms_code_limits", sms.code_limits, "resend_after_seconds", "per_phone_per_day", "per_address_per_day"
    ),
    # After-sales.
    _reader("return_window", aftersales.return_deadline, "counted_from", "hours"),
    _reader("return_exclusion", aftersales.no_reason_return, "flags"),
    _reader("return_ship_window", aftersales.timer, "hours"),
    _reader("return_receive_window", aftersales.timer, "hours"),
    _reader("instant_refund", aftersales.instant_refund, "max_fen", "excluded_flags"),
    _reader("merchant_review", aftersales.review_deadline, "service", "case_types", "hours"),
    _reader("escalation_window", aftersales.escalation_deadline, "service", "hours"),
    _reader("no_pickup_auto_refund", aftersales.no_pickup_refund, "case_types", "hours"),
    _reader("damage_category_group", aftersales.category_groups, "categories", "group", "official"),
    _reader("damage_service", aftersales.damage_cover, "badge", "groups", "reasons", "withdrawn"),
    _reader("damage_window", aftersales.damage_window, "groups", "hours", "reason"),
    _reader("damage_share", aftersales.damage_refund, "refund_bp", "min_share_bp", "max_share_bp"),
    _reader("damage_shop_pledge", aftersales.damage_refund),
    _reader(
        "shipping_insurance",
        aftersales.shipping_insurance_cover,
        "tier",
        "case_types",
        "cap_fen",
        "request_within_hours",
        helpers=(aftersales.shipping_insurance_claim,),
        # The worker asks the insurer at its next run after 退款成功 / 换货成功, well within 72 h.
        fixed={"pay_within_hours": (72,)},
    ),
    _reader("shipping_insurance_limit", aftersales_insurance.open_claim),
    # Chat and reviews.
    _reader("chat_response", chat.rules, "business_start", "business_end", "no_reply_seconds", "window_days"),
    _reader("chat_dissatisfaction", chat.rules, "business_start", "business_end", "max_stars_unsatisfied"),
    _reader("review_window", reviews.window, "days", "edit_days", "max_edits", "max_photos"),
    # Creators' commissions (精选联盟, douyin:aJoPPkXtaG25).
    _reader("affiliate_commission_base", creators.base_fen, "adds", "subtracts"),
    _reader("affiliate_commission", creators.commission_fen),
    _reader("affiliate_rounding", creators.half_up),
    _reader(
        "affiliate_service_fee",
        creators.service_fee_fen,
        "grade",
        "rate_bp",
        helpers=(creators.grade_clause,),
    ),
    _reader("affiliate_grade_period", creators.grade_period, "publish_day", "first_day"),
    _reader("affiliate_leader_fee", creators.leader_fee, "platform_rate_bp", "combined_max_bp"),
    _reader("affiliate_settle", creators.settle_after, "days"),
    _reader("affiliate_settle_counting", creators.settle_after, fixed={"counted_from": ("confirmed_at",)}),
    _reader("affiliate_refund", creators.refund_outcome),
    _reader("affiliate_refund_partial", creators.refunded_commission_fen),
    _reader("affiliate_reserve", creators.reserve_fen, "rate_bp", "window_days"),
    _reader("affiliate_freeze", creators.freeze_ends_at, "max_days"),
    _reader("affiliate_rate_required", creator_services.add_to_showcase),
    # The window is the signed source token's lifetime (attribution.tokens.TOKEN_LIFETIME).
    _reader("affiliate_attribution_window", source_tokens.verify, fixed={"hours": (24,)}),
    _reader("affiliate_grade_unpublished", creator_commissions.book_commissions, "grade"),
    _reader("affiliate_rate_priority", creator_services.rate_for),
    _reader("creator_qualification", creator_services.add_to_showcase, "min_followers"),
    # Sample requests (寄样) and the marketplace's late-ship figure.
    _reader("sample_open_limit", creator_samples.open_limit, "limits"),
    _reader("sample_author_level", creator_samples.author_level, "level"),
    _reader("sample_one_per_product", creator_samples.decline_days, "decline_days"),
    _reader("sample_decide_within", creator_samples.decide_by, "hours"),
    _reader("sample_ship_within", creator_samples.ship_deadlines, "due_hours", "cancel_hours"),
    _reader("sample_auto_receive", creator_samples.received_by, "hours"),
    _reader("sample_duty_window", creator_samples.duty_due, "days"),
    _reader("sample_duty_ways", creator_samples.orders_needed, "settled_orders"),
    _reader(
        "sample_paid_refund",
        creator_samples.paid_target_met,
        "amount_share_bp",
        "refund_after_days",
        helpers=(creator_samples.refund_due,),
    ),
    _reader("sample_paid_qualification", creator_samples.paid_min_followers, "price_fen", "min_followers"),
    _reader("sample_broken_limit", creator_samples.broken_limit, "window_days", "limit"),
    _reader(
        "sample_return",
        creator_samples.may_stop_until,
        "stop_days",
        "confirm_days",
        helpers=(creator_samples.return_confirmed_by,),
    ),
    _reader(
        "marketplace_late_ship_window",
        creator_marketplace.late_ship_rates,
        "days",
        helpers=(creator_samples.late_ship_window,),
    ),
    # Settlement: commission, availability, deposits, freezes.
    _reader("commission_base", settlement.commission_base),
    _reader(
        "commission_rate", settlement.base_rate, "categories", "rate_bp", helpers=(settlement.listed_in,)
    ),
    _reader("commission_rate_default", settlement.base_rate, "rate_bp"),
    _reader("commission_rounding", settlement.fee_of),
    _reader("commission_refund", settlement.fee_refund_of),
    _reader("commission_promotion", settlement.waiver_applies),
    _reader(
        "commission_aftersales_period",
        fees.aftersales_period_end,
        "hours",
        fixed={"counted_from": ("next_local_midnight",)},
    ),
    # The merchant-wide periods apply to every category (the category table is its own kind).
    _reader("settlement_period", availability.period, "merchant", "days", fixed={"categories": ([],)}),
    _reader(
        "settlement_category_period",
        availability.category_period,
        "paths",
        "days",
        helpers=(settlement.listed_in,),
    ),
    _reader("settlement_counting", availability.available_at, fixed={"counted_from": ("confirmed_at",)}),
    _reader("settlement_confirmation", availability.available_at),
    _reader("settlement_aftersales_unknown", fees.aftersales_period_end),
    _reader("settlement_deduction", settling.collect_deductions),
    _reader("deposit_base_tier", deposits.base_tier, "amount_fen", "gmv_over_fen", "gmv_up_to_fen"),
    _reader("deposit_gmv_measure", deposits.paid_gmv),
    # The notice goes out on the 1st: every day of the month before the update day is after it.
    _reader("deposit_adjustment", deposits.next_update, "update_day", fixed={"notice_day": (1,)}),
    _reader("deposit_zero_entry", deposits.quote_deposit, "amount_fen"),
    _reader(
        "deposit_category_base",
        deposits.quote_deposit,
        "amount_fen",
        "paths",
        helpers=(settlement.listed_in,),
    ),
    _reader(
        "deposit_category_experience",
        deposits.quote_deposit,
        "amount_fen",
        "paths",
        helpers=(settlement.listed_in,),
    ),
    _reader("deposit_category_rule", deposits.required_deposit, "experience_window_days"),
    # Short: payouts stop at once; below zero for `hours`: listing and selling stop too.
    _reader(
        "deposit_shortfall",
        deposits.check_payouts_allowed,
        "hours",
        fixed={"limits": (["payouts"], ["payouts", "listing", "selling"])},
    ),
    _reader("freeze_counting", freezes.releases_at),
    _reader("freeze_late_ship", freezes.freeze_sanctioned_orders, "days"),
    _reader(
        "freeze_out_of_stock",
        freezes.count_out_of_stock,
        "days_by_violation",
        "days_from_6th",
        "min_fen",
        "min_orders",
        "min_rate_over_bp",
        "multiple_bp",
    ),
    _reader(
        "freeze_fraudulent_shipping",
        freezes.count_fraudulent_shipping,
        "days_by_violation",
        "days_from_4th",
        "min_fen",
        "min_orders",
        "multiple_bp",
        "stops_settlement",
    ),
    # The experience score.
    _reader(
        "experience_scheme",
        experience.evaluate,
        "version",
        "window_days",
        "formal_min_orders",
        "growth_score",
        "growth_penalised_score",
        "min_score",
        "max_score",
        helpers=(experience_services.window_for,),
        # Pledge sells no gifts, lucky bags or low-price items and flags no abnormal orders, so of
        # these only instant refunds occur; experience.services leaves them out of the window.
        fixed={"excluded_orders": (["gift", "lucky_bag", "low_price", "instant_refund", "abnormal"],)},
    ),
    _reader(
        "experience_indicator",
        experience.indicators_in_force,
        "code",
        "dimension",
        "metric",
        "unit",
        "better",
        "case_types",
        "after_shipment_case_types",
        "judgements",
        "reasons",
        "retired",
        "scored_directly",
        helpers=(experience_indicators.Params.of, experience_services.order_facts),
    ),
    _reader("experience_bands", experience.evaluate, "indicator", "bands", "otherwise"),
    _reader(
        "experience_dimension_weights",
        experience.evaluate,
        "industry",
        "flagship",
        "product",
        "logistics",
        "service",
    ),
    _reader(
        "experience_indicator_weights", experience.evaluate, "dimension", "industry", "flagship", "weights"
    ),
    _reader("experience_no_data", experience.evaluate, "points"),
    _reader("experience_failed_indicator", experience.evaluate, "max_points"),
    _reader("experience_stars", experience.shown_score, "table"),
    _reader(
        "experience_small_shop",
        experience.evaluate,
        "count_only",
        "industries_listed",
        "max_count",
        "max_orders",
        "max_orders_listed",
        "points",
        "renamed",
        "with_order_limit",
    ),
    _reader("experience_deduction", experience.deductions, "incidents", "points", "cap"),
    _reader(
        "experience_bonus",
        experience.bonuses,
        "code",
        "metric",
        "min_bp",
        "min_orders",
        "points",
        "enabled_days",
        "insurance",
    ),
    _reader("experience_gate", experience_services.gate, "use", "min_score", "tiers", "growth_allowed"),
    _reader("experience_night_rule", experience_indicators.Params.of, "applies_to", "from_hour", "to_hour"),
    _reader("experience_pickup_points", experience_indicators.Params.of, "bands", "otherwise"),
    _reader("experience_route_standard", experience_indicators.Params.of, "hours"),
    _reader(
        "experience_pickup_forced", experience_indicators.Params.of, "compensations", "points", "retired"
    ),
    _reader("experience_delivery_not_met", experience_indicators.Params.of, "compensations"),
)


def _by_kind(readers: tuple[ClauseReader, ...]) -> Mapping[str, ClauseReader]:
    table: dict[str, ClauseReader] = {}
    for reader in readers:
        if reader.kind in table:
            raise ValueError(f"clause kind {reader.kind!r} is mapped twice")
        table[reader.kind] = reader
    return MappingProxyType(table)


READERS: Mapping[str, ClauseReader] = _by_kind(_READERS)


def reader_of(clause: Clause) -> ClauseReader | None:
    """The function that applies `clause`, or None for a kind no function applies."""
    return READERS.get(clause.kind)
