"""Pure rule evaluation for penalties and appeals over rulebook clauses (no database).

A penalty ladder (kind `penalty_ladder`) counts a shop's cases under one clause within
`window_days` and picks the highest rung whose `from` the case number reaches; the rung names its
actions and their figures. Points (kind `penalty_points`) and the appeal windows (kind
`appeal_window`, douyin:101706: "可在收到违规处理通知的7个自然日内发起违规申诉……平台将在收到申诉申请的
5个工作日内给予商家申诉结果") are read here too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import Clause


class ActionKind(StrEnum):
    """What a penalty does (the enforcement vocabulary of RULES.md §5)."""

    WARNING = "warning"  # 公示警告
    LISTING_REMOVED = "listing_removed"  # 下架
    PRODUCT_BANNED = "product_banned"  # 封禁商品
    PRESALE_CLOSED = "presale_closed"  # 关闭预售
    PROCEEDS_FROZEN = "proceeds_frozen"  # 冻结货款
    SHOP_SUSPENDED = "shop_suspended"  # 停业整顿
    SHOP_REMOVED = "shop_removed"  # 清退
    MONEY_PENALTY = "money_penalty"  # 扣除违约金
    STREAM_CUT = "stream_cut"  # 断播
    STREAM_BANNED = "stream_banned"  # 禁播
    CREATOR_REMOVED = "creator_removed"  # 清退达人带货权限


@dataclass(frozen=True)
class Step:
    """One action a rung orders: how long it lasts (None: until reversed) and any amount."""

    kind: ActionKind
    days: int | None = None
    amount_fen: int | None = None


def case_number(prior_cases_in_window: int) -> int:
    return prior_cases_in_window + 1


def window_start(clause: Clause, at: datetime) -> datetime:
    return at - timedelta(days=int(clause.get("window_days")))


def _days_of(kind: ActionKind, rung: dict) -> int | None:
    if kind is ActionKind.PROCEEDS_FROZEN:
        return int(rung["freeze_days"])
    if kind in (ActionKind.PRESALE_CLOSED, ActionKind.SHOP_SUSPENDED, ActionKind.STREAM_BANNED):
        return int(rung["days"])
    return None


def steps_for(clause: Clause, case_no: int) -> tuple[Step, ...]:
    """The actions of the shop's `case_no`th case under a ladder clause."""
    if case_no < 1:
        raise InvalidInput("a case number starts at 1")
    reached = [r for r in clause.get("rungs") if case_no >= int(r["from"])]
    if not reached:
        return ()
    rung = max(reached, key=lambda r: int(r["from"]))
    return tuple(
        Step(
            ActionKind(name),
            _days_of(ActionKind(name), rung),
            int(rung["penalty_fen"]) if name == ActionKind.MONEY_PENALTY else None,
        )
        for name in rung["actions"]
    )


def points_of(clause: Clause, at: datetime) -> tuple[int, datetime]:
    """The points a penalty carries and when they expire."""
    return int(clause.get("points")), at + timedelta(days=int(clause.get("valid_days")))


def appeal_closes_at(clause: Clause, notified_at: datetime) -> datetime:
    """The last moment an appeal may be filed: N natural days (×24 h) after the notice."""
    return notified_at + timedelta(days=int(clause.get("file_within_days")))


def is_working_day(day: date, calendar: Mapping[date, bool]) -> bool:
    """A day the calendar records is what it says (a holiday, a make-up workday); any other day
    is a working day from Monday to Friday."""
    return calendar.get(day, day.weekday() < 5)


def answer_due_at(
    clause: Clause, filed_at: datetime, timezone: str, calendar: Mapping[date, bool] | None = None
) -> datetime:
    """The end of the Nth working day after the day of filing, in the platform's zone. Working
    days: Monday to Friday, except the holidays and make-up workdays in `calendar` (the
    operators' calendar, governance.calendar: Pledge ships it empty)."""
    day = filed_at.astimezone(ZoneInfo(timezone)).date()
    left = int(clause.get("answer_within_working_days"))
    while left:
        day += timedelta(days=1)
        if is_working_day(day, calendar or {}):
            left -= 1
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), ZoneInfo(timezone))
    return end.astimezone(filed_at.tzinfo)


def unanswered_upholds(clause: Clause) -> bool:
    """What an appeal left unanswered at its deadline means (the clause says; a Pledge default)."""
    answer = clause.get("unanswered")
    if answer not in ("upheld", "rejected"):
        raise InvalidInput(f"appeal_window.unanswered is upheld or rejected, not {answer!r}")
    return bool(answer == "upheld")
