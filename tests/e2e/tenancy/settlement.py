"""Tenancy cases of the settlement routes: a shop's balance, statement, programs, applications
and payouts belong to its members; programs, approvals, deposits and bank returns are for
platform finance staff (a merchant is refused even on its own shop's ids)."""

from __future__ import annotations

import uuid

from pledge.ledger import services as ledger
from pledge.settlement import accounts, deposits, payouts, programs
from tests.e2e.tenancy import Case, Ids

REASON = {"json": {"reason": "户名不符"}}

ROUTES = {
    ("GET", "/api/v1/shops/{shop_id}/balance"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/statement"): Case("denied"),
    ("GET", "/api/v1/shops/{shop_id}/programs"): Case("denied"),
    ("POST", "/api/v1/shops/{shop_id}/program-applications"): Case(
        "denied", lambda ids, csrf: {"json": {"program_id": ids.extra["program_id"]}}, ok=201
    ),
    ("POST", "/api/v1/shops/{shop_id}/payouts"): Case(
        "denied", lambda ids, csrf: {"json": {"amount_fen": 100}}, ok=201
    ),
    ("POST", "/api/v1/shops/{shop_id}/deposits"): Case(
        "denied",
        lambda ids, csrf: {"json": {"amount_fen": 100, "reference": uuid.uuid4().hex}},
        ok=403,
        operator_ok=201,
    ),
    ("PUT", "/api/v1/shops/{shop_id}/settlement-terms"): Case(
        "denied", lambda ids, csrf: {"json": {"zero_entry": False}}, ok=403, operator_ok=200
    ),
    ("GET", "/api/v1/settlement/programs/{program_id}"): Case("denied", ok=403, operator_ok=200),
    ("PATCH", "/api/v1/settlement/programs/{program_id}"): Case(
        "denied",
        lambda ids, csrf: {"json": {"note": "延期", "ends_at": "2030-01-01"}},
        ok=403,
        operator_ok=200,
    ),
    ("POST", "/api/v1/settlement/applications/{application_id}/decision"): Case(
        "denied", lambda ids, csrf: {"json": {"approve": True}}, ok=403, operator_ok=200
    ),
    ("POST", "/api/v1/settlement/payouts/{payout_id}/return"): Case(
        "denied", lambda ids, csrf: REASON, ok=403, operator_ok=200
    ),
    ("GET", "/merchant/shops/{shop_id}/settlement"): Case("denied"),
    ("GET", "/merchant/shops/{shop_id}/statement"): Case("denied"),
    ("POST", "/merchant/shops/{shop_id}/settlement/apply"): Case(
        "denied",
        lambda ids, csrf: {"data": {"csrf_token": csrf, "program_id": ids.extra["program_id"]}},
        ok=303,
    ),
    ("POST", "/merchant/shops/{shop_id}/settlement/payout"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "amount": "1.00"}}, ok=303
    ),
    ("POST", "/finance/settlement/programs/{program_id}"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "note": "越权"}}, ok=403
    ),
    ("POST", "/finance/settlement/applications/{application_id}"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "decision": "approve"}}, ok=403
    ),
    ("POST", "/finance/settlement/payouts/{payout_id}/return"): Case(
        "denied", lambda ids, csrf: {"data": {"csrf_token": csrf, "reason": "越权"}}, ok=403
    ),
}


def prepare(world, owner, buyer, ids: Ids) -> None:
    """Two programs the shop may apply to (one it has applied to, pending), a deposit at its
    tier, 10 yuan available, and a payout the bank has been sent."""
    app, now, tag = world.app, world.now, uuid.uuid4().hex[:10]
    finance = world.user("财务", platform_role="finance")

    def spec(code: str) -> programs.ProgramSpec:
        return programs.ProgramSpec(
            code=code,
            kind="category_waiver",
            name="免佣",
            name_en="Waiver",
            starts_at=now,
            rate_bp=60,
            categories=(code,),
            shop_id=ids.shop_id,
            requires_application=True,
        )

    with app.uow.begin() as c:
        ids.extra["program_id"] = programs.create_program(c, finance, spec(f"open-{tag}"), at=now)
        applied = programs.create_program(c, finance, spec(f"applied-{tag}"), at=now)
        ids.extra["application_id"] = programs.apply_to_program(c, owner, ids.shop_id, applied, at=now)
        tier = deposits.required_deposit(c, app.rulebook, ids.shop_id, now).amount_fen
        deposits.top_up_deposit(c, finance, ids.shop_id, amount_fen=tier, reference=f"T-{tag}", at=now)
        ledger.record(
            c,
            key=f"tenancy-test:{tag}",
            kind="rebate",
            memo="test money",
            at=now,
            postings=[ledger.Posting(accounts.REBATES, accounts.available(ids.shop_id), 1_000)],
        )
        payout_id = payouts.request_payout(c, owner, app.rulebook, ids.shop_id, amount_fen=100, at=now)
    payouts.send_payouts(app.uow, _Sandbox(), app.clock)
    ids.extra["payout_id"] = payout_id


class _Sandbox:
    def send(self, *, shop_id: int, amount_fen: int, idempotency_key: str) -> str:
        return "po_" + idempotency_key.replace(":", "_")
