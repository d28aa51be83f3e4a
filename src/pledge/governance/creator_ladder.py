"""Pure rule evaluation for penalties against creators (达人), over rulebook clauses of kind
`creator_penalty_ladder` (no database).

The creators' false-advertising rule (douyin:aJoHtKQ6kLcq, 《创作者【虚假宣传】处置细则》, in force
from 2026-08-06) does not count cases one by one like the merchants' ladders: it sets a tier
(违规程度) by what happened in the scene where the creator promoted the product —

- live (直播): the live sessions with a violation in the window ("近14天内2场直播违规" → tier 2,
  "3场-4场" → tier 3, "5场及以上" → tier 4; the revision notice strikes 5 and 6 and writes 4 and 5)
  and the violations within one session ("单场直播中累计违规2次" → tier 2, "3次违规及以上" → tier 3);
- short video (短视频): the violations in the window ("近14天内累计违规2～5次" → 2, "6次-9次" → 3,
  "10次及以上" → 4);
- and the harm the reviewer finds ("影响较轻" → 2, "较重的损害" → 3, "严重的损害 / 严重违规影响" → 4).

The highest of these is the tier; the first violation of a scene is tier 1. Each tier names its
actions (warning, product off the cart, live interrupted, video visible to its author only,
commissions held, selling closed, removal, a money penalty) with their figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import Clause


class Scene(StrEnum):
    LIVE = "live"  # 直播
    VIDEO = "video"  # 短视频


class Harm(StrEnum):
    """The reviewer's finding on the harm done (影响), which can raise the tier on its own."""

    NONE = "none"  # the counts alone decide
    LIGHT = "light"  # 造成消费者或商家体验损害，但影响较轻
    HEAVY = "heavy"  # 对消费者或商家体验造成较重的损害
    SEVERE = "severe"  # 严重的损害，或平台判定造成或可能造成严重违规影响


class CreatorAction(StrEnum):
    WARNING = "warning"  # 警告
    OFF_CART = "off_cart"  # 商品掉车: the product leaves the creator's cart (cards, showcase)
    STREAM_CUT = "stream_cut"  # 直播中断
    VIDEO_PRIVATE = "video_private"  # 视频自见: visible to its author only
    COMMISSION_HELD = "commission_held"  # 冻结违规商品所有订单成交额X%金额N天并停止结算违规订单
    SELLING_CLOSED = "selling_closed"  # 关闭电商权限N天
    COMMISSION_FROZEN = "commission_frozen"  # 冻结佣金账户N天并停止结算违规订单
    CREATOR_REMOVED = "creator_removed"  # 永久关闭电商权限
    MONEY_PENALTY = "money_penalty"  # 冻结期满后扣除违规行为所涉的全部佣金作为违约金


@dataclass(frozen=True)
class Counts:
    """What the window holds for this creator under the clause, this violation included."""

    scene: Scene
    sessions: int = 0  # live: sessions with a violation in the window
    in_session: int = 0  # live: violations within this violation's session
    videos: int = 0  # video: violations in the window
    harm: Harm = Harm.NONE


@dataclass(frozen=True)
class CreatorStep:
    """One action of a tier: how long it lasts, the share of the orders' amount it holds (basis
    points) and, for a money penalty, its floor and ceiling."""

    kind: CreatorAction
    days: int | None = None
    held_bp: int | None = None
    min_fen: int | None = None
    max_fen: int | None = None


HARM_TIER = {Harm.NONE: 1, Harm.LIGHT: 2, Harm.HEAVY: 3, Harm.SEVERE: 4}


def _reached(thresholds: list[dict], count: int) -> int:
    tiers = [int(t["tier"]) for t in thresholds if count >= int(t["from"])]
    return max(tiers, default=0)


def tier_for(clause: Clause, counts: Counts) -> int:
    """The tier (1 to 4) of this violation under a creator ladder clause."""
    if min(counts.sessions, counts.in_session, counts.videos) < 0:
        raise InvalidInput("violation counts are zero or more")
    if counts.scene is Scene.LIVE:
        if counts.sessions < 1 or counts.in_session < 1:
            raise InvalidInput("a live violation counts its own session and itself")
        by_count = max(
            _reached(clause.get("live_sessions"), counts.sessions),
            _reached(clause.get("live_in_one_session"), counts.in_session),
        )
    else:
        if counts.videos < 1:
            raise InvalidInput("a video violation counts itself")
        by_count = _reached(clause.get("video_violations"), counts.videos)
    return max(by_count, HARM_TIER[counts.harm])


def steps_of(clause: Clause, tier: int) -> tuple[CreatorStep, ...]:
    """The actions the clause gives a tier, with their figures."""
    rung = next((r for r in clause.get("tiers") if int(r["tier"]) == tier), None)
    if rung is None:
        raise InvalidInput(f"clause {clause.id} has no tier {tier}")
    return tuple(_step(CreatorAction(name), rung) for name in rung["actions"])


def _step(kind: CreatorAction, rung: dict) -> CreatorStep:
    if kind is CreatorAction.COMMISSION_HELD:
        return CreatorStep(kind, days=int(rung["held_days"]), held_bp=int(rung["held_bp"]))
    if kind is CreatorAction.SELLING_CLOSED:
        return CreatorStep(kind, days=int(rung["closed_days"]))
    if kind is CreatorAction.COMMISSION_FROZEN:
        return CreatorStep(kind, days=int(rung["frozen_days"]))
    if kind is CreatorAction.MONEY_PENALTY:
        return CreatorStep(kind, min_fen=int(rung["penalty_min_fen"]), max_fen=int(rung["penalty_max_fen"]))
    return CreatorStep(kind)


def held_fen(orders_amount_fen: int, step: CreatorStep) -> int:
    """The amount a COMMISSION_HELD step holds: its share of the violating product's orders,
    rounded half up to the fen."""
    if step.held_bp is None:
        raise InvalidInput(f"{step.kind} holds no share of the orders")
    return (orders_amount_fen * step.held_bp + 5_000) // 10_000


def penalty_fen(commission_involved_fen: int, step: CreatorStep) -> int:
    """The money penalty: all the commission the violation involved, within the floor and the
    ceiling ("最低1000元，最高20000元")."""
    if step.min_fen is None or step.max_fen is None:
        raise InvalidInput(f"{step.kind} is not a money penalty")
    return min(max(commission_involved_fen, step.min_fen), step.max_fen)


def window_start(clause: Clause, at: datetime) -> datetime:
    """Violations counted from here: the clause's window ("近14天内") before `at`."""
    return at - timedelta(days=int(clause.get("window_days")))
