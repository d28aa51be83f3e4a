"""Pure customer-service chat metrics (飞鸽平均响应时长, 飞鸽会话不满意率), douyin:aJoPPkXuLRqc.

The official text, as encoded here:

- Only conversations STARTED in business hours count (发起时间在8:00:00-22:59:59). A conversation
  starts with the buyer's first message (opening the chat window without writing starts
  nothing), read in the shop's timezone to the second: 22:59:59.999 counts, 23:00:00 does not,
  07:59:59 does not, 08:00:00 does. A counted conversation counts whole, including rounds that
  happen after 23:00; a conversation started at night counts nowhere, including rounds
  answered the next morning.
- A round (对话轮次) is the buyer's message(s) up to the shop's next reply: consecutive buyer
  messages form ONE round that starts at the first of them; the shop's first message after it
  ends the round. Shop messages that answer no open round (a greeting, a second reply) start
  nothing. Reply time = first shop reply − first buyer message of the round.
- A round the shop never answers counts as no_reply_seconds (10 minutes). It is unanswered once
  the conversation was closed without a reply, or once no_reply_seconds have passed by the end
  of the window; before that it is pending and counts nowhere yet. A late reply counts its real
  time: the official formula sums reply times and only replaces a MISSING reply by 10 minutes.
- Average response time = sum of round reply times / number of rounds.
- Dissatisfaction = conversations rated 1..max_stars_unsatisfied (3) stars / rated conversations,
  over the same business-hours conversations.
- The window is [since, until): conversations that started in it; messages and ratings from
  `until` on are not seen yet (the metric is what was known at `until`). The clauses in force
  at `until` apply to the whole window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from pledge.chat.model import Sender
from pledge.kernel.clock import ensure_utc, local_time
from pledge.kernel.errors import InvalidInput
from pledge.rulebooks.loader import Clause, Rulebook

ANSWERED, UNANSWERED, PENDING = "answered", "unanswered", "pending"
_US = timedelta(microseconds=1)


def _ms(delta: timedelta) -> int:
    """Whole milliseconds, half-up, never negative (clock skew between writers)."""
    return max(0, (delta // _US + 500) // 1000)


@dataclass(frozen=True)
class BusinessHours:
    """Inclusive to the second: start <= local time (seconds) <= end."""

    start: time
    end: time

    @classmethod
    def of(cls, clause: Clause) -> BusinessHours:
        try:
            return cls(
                time.fromisoformat(clause.get("business_start")),
                time.fromisoformat(clause.get("business_end")),
            )
        except (TypeError, ValueError):
            raise InvalidInput(
                f"clause {clause.id} needs business_start and business_end like '08:00:00'"
            ) from None

    def contains(self, at: datetime, tz: str) -> bool:
        moment = local_time(at, tz).time().replace(microsecond=0)
        return self.start <= moment <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}-{self.end.isoformat()}"


@dataclass(frozen=True)
class ChatRules:
    response: Clause
    dissatisfaction: Clause

    @property
    def response_hours(self) -> BusinessHours:
        return BusinessHours.of(self.response)

    @property
    def rating_hours(self) -> BusinessHours:
        return BusinessHours.of(self.dissatisfaction)

    @property
    def no_reply(self) -> timedelta:
        return timedelta(seconds=self.response.get("no_reply_seconds"))

    @property
    def max_stars_unsatisfied(self) -> int:
        return self.dissatisfaction.get("max_stars_unsatisfied")

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.response.get("window_days", 30))


def rules(book: Rulebook, at: datetime) -> ChatRules:
    return ChatRules(book.one("chat_response", at), book.one("chat_dissatisfaction", at))


@dataclass(frozen=True)
class Message:
    at: datetime
    sender: str  # Sender.BUYER | Sender.SHOP


@dataclass(frozen=True)
class ConversationLog:
    """One conversation as the metrics see it: messages in posting order (by id)."""

    messages: Sequence[Message]
    stars: int | None = None
    rated_at: datetime | None = None
    closed_at: datetime | None = None
    id: int | None = None

    @property
    def started_at(self) -> datetime | None:
        return next((m.at for m in self.messages if m.sender == Sender.BUYER), None)


@dataclass(frozen=True)
class Round:
    started_at: datetime
    replied_at: datetime | None
    outcome: str  # answered | unanswered | pending
    counted_ms: int  # what the round adds to the sum of reply times (0 while pending)


def rounds_of(log: ConversationLog, *, until: datetime, no_reply: timedelta) -> list[Round]:
    found: list[Round] = []
    start: datetime | None = None
    for message in log.messages:
        if message.at >= until:
            break
        if message.sender == Sender.BUYER:
            start = start or message.at
        elif start is not None:
            found.append(Round(start, message.at, ANSWERED, _ms(message.at - start)))
            start = None
    if start is not None:
        closed = log.closed_at is not None and log.closed_at < until
        if closed or until - start >= no_reply:
            found.append(Round(start, None, UNANSWERED, _ms(no_reply)))
        else:
            found.append(Round(start, None, PENDING, 0))
    return found


@dataclass(frozen=True)
class ChatMetrics:
    since: datetime
    until: datetime
    timezone: str
    conversations: int  # started in the window, in business hours
    outside_hours: int  # started in the window, outside business hours (not counted)
    rounds: int  # answered + unanswered
    answered_rounds: int
    unanswered_rounds: int
    pending_rounds: int
    response_ms_total: int
    rated_conversations: int
    dissatisfied_conversations: int
    response_clause: str
    dissatisfaction_clause: str
    sources: tuple[str, ...]
    no_reply_seconds: int
    max_stars_unsatisfied: int
    business_hours: str
    shop_id: int | None = None
    round_details: tuple[Round, ...] = field(default=(), repr=False, compare=False)

    @property
    def clause_ids(self) -> tuple[str, ...]:
        return (self.response_clause, self.dissatisfaction_clause)

    @property
    def average_response_seconds(self) -> float | None:
        return None if not self.rounds else round(self.response_ms_total / self.rounds / 1000, 3)

    @property
    def dissatisfaction_bp(self) -> int | None:
        """Rated 1-3 stars / rated, in basis points rounded half-up (2500 = 25%)."""
        if not self.rated_conversations:
            return None
        return (2 * self.dissatisfied_conversations * 10_000 + self.rated_conversations) // (
            2 * self.rated_conversations
        )

    @property
    def dissatisfaction_rate(self) -> float | None:
        return (
            None
            if not self.rated_conversations
            else self.dissatisfied_conversations / self.rated_conversations
        )

    def explanation(self) -> str:
        avg = (
            "no rounds"
            if self.average_response_seconds is None
            else (
                f"{self.response_ms_total / 1000:g} s / {self.rounds} rounds = "
                f"{self.average_response_seconds:g} s"
            )
        )
        rate = (
            "no rated conversations"
            if self.dissatisfaction_bp is None
            else (
                f"{self.dissatisfied_conversations} of {self.rated_conversations} rated "
                f"1-{self.max_stars_unsatisfied} stars"
                f" = {self.dissatisfaction_bp / 100:g}%"
            )
        )
        return (
            f"{self.conversations} conversations started {self.business_hours} ({self.timezone}) in "
            f"[{self.since.isoformat()}, {self.until.isoformat()}), {self.outside_hours} outside those "
            f"hours not counted; average response {avg}, {self.unanswered_rounds} unanswered counted as "
            f"{self.no_reply_seconds} s each, {self.pending_rounds} still pending "
            f"(clause {self.response_clause}); "
            f"dissatisfaction {rate} (clause {self.dissatisfaction_clause}) [{', '.join(self.sources)}]"
        )

    def as_dict(self) -> dict:
        return {
            "shop_id": self.shop_id,
            "since": self.since,
            "until": self.until,
            "timezone": self.timezone,
            "conversations": self.conversations,
            "outside_hours": self.outside_hours,
            "rounds": self.rounds,
            "answered_rounds": self.answered_rounds,
            "unanswered_rounds": self.unanswered_rounds,
            "pending_rounds": self.pending_rounds,
            "response_ms_total": self.response_ms_total,
            "average_response_seconds": self.average_response_seconds,
            "rated_conversations": self.rated_conversations,
            "dissatisfied_conversations": self.dissatisfied_conversations,
            "dissatisfaction_bp": self.dissatisfaction_bp,
            "dissatisfaction_rate": self.dissatisfaction_rate,
            "business_hours": self.business_hours,
            "no_reply_seconds": self.no_reply_seconds,
            "max_stars_unsatisfied": self.max_stars_unsatisfied,
            "clause_ids": list(self.clause_ids),
            "sources": list(self.sources),
            "explanation": self.explanation(),
        }


def measure(
    logs: Sequence[ConversationLog],
    *,
    chat_rules: ChatRules,
    tz: str,
    since: datetime,
    until: datetime,
    shop_id: int | None = None,
) -> ChatMetrics:
    since, until = ensure_utc(since), ensure_utc(until)
    if since >= until:
        raise InvalidInput("the window must end after it starts")
    response_hours, rating_hours = chat_rules.response_hours, chat_rules.rating_hours
    no_reply, worst = chat_rules.no_reply, chat_rules.max_stars_unsatisfied
    counted = outside = rated = dissatisfied = 0
    rounds: list[Round] = []
    for log in logs:
        start = log.started_at
        if start is None or not since <= start < until:
            continue
        if response_hours.contains(start, tz):
            counted += 1
            rounds.extend(rounds_of(log, until=until, no_reply=no_reply))
        else:
            outside += 1
        seen = log.rated_at is None or log.rated_at < until
        if log.stars is not None and seen and rating_hours.contains(start, tz):
            rated += 1
            dissatisfied += log.stars <= worst
    scored = [r for r in rounds if r.outcome != PENDING]
    sources = tuple(dict.fromkeys((chat_rules.response.source, chat_rules.dissatisfaction.source)))
    return ChatMetrics(
        since=since,
        until=until,
        timezone=tz,
        conversations=counted,
        outside_hours=outside,
        rounds=len(scored),
        answered_rounds=sum(r.outcome == ANSWERED for r in scored),
        unanswered_rounds=sum(r.outcome == UNANSWERED for r in scored),
        pending_rounds=len(rounds) - len(scored),
        response_ms_total=sum(r.counted_ms for r in scored),
        rated_conversations=rated,
        dissatisfied_conversations=dissatisfied,
        response_clause=chat_rules.response.id,
        dissatisfaction_clause=chat_rules.dissatisfaction.id,
        sources=sources,
        no_reply_seconds=int(no_reply.total_seconds()),
        max_stars_unsatisfied=worst,
        business_hours=str(response_hours),
        shop_id=shop_id,
        round_details=tuple(rounds),
    )
