"""What an audience is made of, what a campaign sends, and the campaign's lifecycle.

A rule picks the buyers who did something with the shop: viewed, clicked or carted one of its
products (behaviour events, `reach_events`) or ordered one (paid orders) in the last N days,
follow it, or wished in its wish pool (one demand or all). An audience is the union of its rules.
A campaign is a draft until it is sent, once: the send is a conditional move draft -> sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class RuleKind(StrEnum):
    VIEWED = "viewed"
    CLICKED = "clicked"
    CARTED = "carted"
    ORDERED = "ordered"
    FOLLOWERS = "followers"
    WISHERS = "wishers"


BEHAVIOUR = frozenset({RuleKind.VIEWED, RuleKind.CLICKED, RuleKind.CARTED, RuleKind.ORDERED})


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    days: int | None = None  # behaviour rules: within the last N days
    demand_id: int | None = None  # wishers of this demand only (None: of every demand)


class CampaignKind(StrEnum):
    COUPON = "coupon"  # a merchant-funded shop coupon to each buyer of the audience
    LIVE = "live"  # a "we are live" notice while the shop's session is live


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"


CAMPAIGN_LIFECYCLE = Lifecycle(
    "audience campaign",
    CampaignStatus,
    {CampaignStatus.DRAFT: frozenset({CampaignStatus.SENT}), CampaignStatus.SENT: frozenset()},
)


class Outcome(StrEnum):
    """What a campaign did for one buyer of its audience."""

    COUPON = "coupon"  # a coupon was issued
    NOTIFIED = "notified"  # a notice was sent
    OPTED_OUT = "opted_out"  # the buyer asked this shop not to target them: nothing sent
    RATE_LIMITED = "rate_limited"  # the buyer had the shop's live notices the clause allows: nothing sent


REACHED = (Outcome.COUPON, Outcome.NOTIFIED)
