"""Lifecycles of settlement's rows with a status.

Payout (提现) to the shop's bank account:

    pending ──the worker sends it──▶ sent ──the bank sends it back──▶ returned

Application to an incentive programme:

    pending ──platform finance decides──▶ approved | rejected
"""

from __future__ import annotations

from enum import StrEnum

from pledge.kernel.lifecycle import Lifecycle


class PayoutStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    RETURNED = "returned"


PAYOUT_TRANSITIONS: dict[PayoutStatus, frozenset[PayoutStatus]] = {
    PayoutStatus.PENDING: frozenset({PayoutStatus.SENT}),
    PayoutStatus.SENT: frozenset({PayoutStatus.RETURNED}),
    PayoutStatus.RETURNED: frozenset(),
}
PAYOUT_LIFECYCLE = Lifecycle("payout", PayoutStatus, PAYOUT_TRANSITIONS)


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


APPLICATION_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.PENDING: frozenset({ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
}
APPLICATION_LIFECYCLE = Lifecycle("programme application", ApplicationStatus, APPLICATION_TRANSITIONS)
