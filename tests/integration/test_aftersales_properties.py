"""Property: whatever happens to the cases of one order — refund-only, return-and-refund and
damage claims on random lines and units, approvals, rejections, silence, escalations decided by
an operator (sometimes paid by a subsidy fund with a small budget), returns sent or not, time
passing, sweeps and refund workers — the refunds of the order never exceed what the buyer paid
(coupon discount excluded), the ledger's trial balance sums to zero, and a fund's spending is
exactly what it paid plus what it has reserved for returns still on their way.

Refused actions (domain errors) are part of the game and must change nothing the invariants
see; an illegal lifecycle move, or a sweep or refund worker that raises, fails the property."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from pledge.aftersales import services as aftersales
from pledge.aftersales.model import DAMAGE_REASONS
from pledge.aftersales.policy import ShopPledge
from pledge.aftersales.tables import case_lines, cases, refunds, subsidy_funds
from pledge.demo.aftersales import photo
from pledge.kernel.errors import DomainError, IllegalTransition
from pledge.ledger.services import trial_balance
from pledge.ledger.tables import coupons, ledger_postings, ledger_transactions
from pledge.orders.tables import order_lines, orders
from pledge.uploads.services import save_image
from pledge.uploads.store import LocalFileStore
from tests.support import World

PNG = photo(3, 16, 12)  # a real PNG: uploads are decoded, not sniffed
NOT_COUNTING = ("rejected", "closed", "cancelled")
RESERVING = ("awaiting_return", "return_shipped", "escalated", "return_received")
_seq = itertools.count()

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def private_upload_dir(app, tmp_path):
    app.files = LocalFileStore(tmp_path / "uploads")


pick = st.integers(min_value=0, max_value=9)
filing = st.tuples(
    st.just("file"),
    st.sampled_from(["refund_only", "return_refund", "damage_claim"]),
    st.integers(min_value=0, max_value=1),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=3),
)
reviewing = st.tuples(st.just("review"), pick, st.booleans())
step = st.one_of(  # filing and reviewing listed twice: drawn about twice as often
    filing,
    filing,
    reviewing,
    reviewing,
    st.tuples(st.just("escalate"), pick),
    st.tuples(st.just("dispute"), pick),  # the shop rejects and the buyer escalates at once
    st.tuples(
        st.just("refile"), pick
    ),  # rejected: the buyer files the same case again, then escalates the old one
    st.tuples(st.just("decide"), pick, st.booleans(), st.booleans()),
    st.tuples(st.just("ship_back"), pick),
    st.tuples(st.just("receive"), pick),
    st.tuples(st.just("cancel"), pick),
    st.tuples(st.just("advance"), st.sampled_from([1, 23, 49, 170])),
    st.just(("sweep",)),
    st.just(("complete",)),
)
order_st = st.fixed_dictionaries(
    {
        "lines": st.lists(
            st.tuples(st.integers(min_value=1, max_value=50_000), st.integers(min_value=1, max_value=6)),
            min_size=1,
            max_size=2,
        ),
        "coupon_fen": st.sampled_from([0, 0, 1, 500, 3000]),
        "fund_budget": st.sampled_from([0, 1000, 5000, 100_000]),
    }
)


class Skipped(Exception):
    """A move that needs a case before any was filed."""


class Game:
    """One order and everything that may happen to its cases."""

    def __init__(self, app, spec: dict) -> None:
        self.app = app
        actors = getattr(app, "_aftersales_actors", None)
        if actors is None:  # once per App: users cost a password hash each
            world = World(app)
            (shop_id, owner) = world.shop("大乐水果")
            with (
                app.uow.begin() as c
            ):  # the orders come after the 坏了包退 withdrawal: the shop's pledge pays damage
                aftersales.set_shop_pledge(
                    c,
                    owner,
                    shop_id,
                    ShopPledge(per_unit_damage=True, damage_share_table=True),
                    "坏果虫眼都赔",
                    at=app.clock.now(),
                )
            actors = app._aftersales_actors = (
                (shop_id, owner),
                world.user(),
                world.user("运营", platform_role="operator"),
                world.named_category("水果蔬菜", "柑橘"),
            )
        (self.shop_id, self.owner), self.buyer, self.operator, category = actors
        world = World(app)
        skus = [
            world.product(
                self.owner,
                self.shop_id,
                price_fen=price,
                stock=qty,
                title=f"商品{next(_seq)}",
                category=category,
            )
            for price, qty in spec["lines"]
        ]
        coupon_id = None
        if spec["coupon_fen"]:
            with app.uow.begin() as c:
                coupon_id = c.execute(
                    insert(coupons).values(
                        buyer_id=self.buyer.user_id,
                        amount_fen=spec["coupon_fen"],
                        min_spend_fen=0,
                        status="available",
                        issued_at=app.clock.now(),
                        source=f"test:{uuid.uuid4().hex}",
                        explanation="test",
                        explanation_zh="测试",
                    )
                ).inserted_primary_key[0]
        placed = world.place(
            self.buyer,
            *[(sku, qty) for sku, (_, qty) in zip(skus, spec["lines"], strict=False)],
            coupon_id=coupon_id,
        )
        world.pay(placed)
        self.order_id = placed.order_ids[0]
        world.ship(self.owner, self.order_id)
        app.clock.advance(timedelta(hours=36))
        world.carrier_tick()
        self.fund = f"f{uuid.uuid4().hex[:12]}"
        with app.uow.begin() as c:
            c.execute(
                insert(subsidy_funds).values(
                    code=self.fund, name="test", budget_fen=spec["fund_budget"], spent_fen=0
                )
            )
            self.upload = save_image(c, app.files, self.buyer, data=PNG, filename="p.png", at=app.clock.now())
            order = c.execute(select(orders).where(orders.c.id == self.order_id)).one()
            self.lines = [
                (r.id, r.quantity)
                for r in c.execute(
                    select(order_lines)
                    .where(order_lines.c.order_id == self.order_id)
                    .order_by(order_lines.c.id)
                )
            ]
        assert order.status == "delivered"
        self.paid = order.paid_fen
        self.case_ids: list[int] = []

    def _case(self, n: int) -> int | None:
        return self.case_ids[n % len(self.case_ids)] if self.case_ids else None

    def play(self, move: tuple) -> None:
        app, kind, now = self.app, move[0], self.app.clock.now()
        if kind == "advance":
            app.clock.advance(timedelta(hours=move[1]))
            return
        if kind == "sweep":
            aftersales.sweep_case_deadlines(app.uow, app.rulebook, app.clock)
            return
        if kind == "complete":
            aftersales.complete_refunds(app.uow, app.payments, app.clock)
            return
        if kind == "file":
            _, case_type, line, units, variant = move
            line_id, _ = self.lines[line % len(self.lines)]
            if case_type == "damage_claim":
                cmd = aftersales.NewCase(
                    self.order_id,
                    case_type,
                    DAMAGE_REASONS[variant],
                    [(line_id, units)],
                    upload_ids=[self.upload],
                )
            else:
                reason = ("no_reason", "quality", "wrong_item", "other")[variant]
                cmd = aftersales.NewCase(self.order_id, case_type, reason, [(line_id, units)])
            with app.uow.begin() as c:
                self.case_ids.append(aftersales.file_case(c, self.buyer, cmd, book=app.rulebook, at=now))
            return
        case_id = self._case(move[1])
        if case_id is None:
            raise Skipped
        if kind == "refile":
            self._refile(case_id, now)
            return
        with app.uow.begin() as c:
            if kind == "review":
                aftersales.review_case(
                    c, self.owner, case_id, approve=move[2], note="看过了", book=app.rulebook, at=now
                )
            elif kind == "escalate":
                aftersales.escalate(c, self.buyer, case_id, note="请平台介入", at=now)
            elif kind == "dispute":
                aftersales.review_case(
                    c, self.owner, case_id, approve=False, note="不同意", book=app.rulebook, at=now
                )
                aftersales.escalate(c, self.buyer, case_id, note="请平台介入", at=now)
            elif kind == "decide":
                aftersales.decide_escalation(
                    c,
                    self.operator,
                    case_id,
                    approve=move[2],
                    note="裁决",
                    book=app.rulebook,
                    at=now,
                    fund_code=self.fund if move[3] else None,
                )
            elif kind == "ship_back":
                aftersales.ship_return(
                    c, self.buyer, case_id, carrier="sf", tracking_no="SF20260901", book=app.rulebook, at=now
                )
            elif kind == "receive":
                aftersales.receive_return(c, self.owner, case_id, at=now)
            elif kind == "cancel":
                aftersales.cancel_case(c, self.buyer, case_id, at=now)

    def _refile(self, case_id: int, now) -> None:
        app = self.app
        with app.uow.read() as c:
            old = c.execute(select(cases).where(cases.c.id == case_id)).one()
            lines = [
                tuple(r)
                for r in c.execute(
                    select(case_lines.c.order_line_id, case_lines.c.units).where(
                        case_lines.c.case_id == case_id
                    )
                )
            ]
        steps = [
            lambda c: aftersales.review_case(
                c, self.owner, case_id, approve=False, note="不同意", book=app.rulebook, at=now
            ),
            lambda c: self.case_ids.append(
                aftersales.file_case(
                    c,
                    self.buyer,
                    aftersales.NewCase(
                        self.order_id,
                        old.case_type,
                        old.reason,
                        lines,
                        upload_ids=[self.upload] if old.case_type == "damage_claim" else [],
                    ),
                    book=app.rulebook,
                    at=now,
                )
            ),
            lambda c: aftersales.escalate(c, self.buyer, case_id, note="请平台介入", at=now),
        ]
        for sub in steps:  # three separate requests; each may be refused on its own
            try:
                with app.uow.begin() as c:
                    sub(c)
            except IllegalTransition:
                raise
            except DomainError:
                pass

    def check(self) -> None:
        with self.app.uow.read() as c:
            rows = c.execute(select(refunds).where(refunds.c.order_id == self.order_id)).all()
            assert sum(r.amount_fen for r in rows if r.status == "succeeded") <= self.paid
            assert sum(r.amount_fen for r in rows) <= self.paid
            assert len({r.case_id for r in rows}) == len(rows)  # one refund per case at most
            mine = c.execute(select(cases).where(cases.c.order_id == self.order_id)).all()
            counting = [k for k in mine if k.status not in NOT_COUNTING]
            assert sum(k.refund_fen for k in counting) <= self.paid
            claimed = Counter()
            for line_id, units in c.execute(
                select(case_lines.c.order_line_id, case_lines.c.units).where(
                    case_lines.c.case_id.in_([k.id for k in counting])
                )
            ):
                claimed[line_id] += units
            assert all(claimed[line_id] <= qty for line_id, qty in self.lines), (claimed, self.lines)
            for r in rows:  # a booked refund and its ledger transaction agree
                booked = c.execute(
                    select(func.coalesce(func.sum(ledger_postings.c.amount_fen), 0))
                    .select_from(ledger_transactions.join(ledger_postings))
                    .where(ledger_transactions.c.idempotency_key == r.idempotency_key)
                ).scalar()
                assert booked == (r.amount_fen if r.status == "succeeded" else 0)
            refunded = {r.case_id for r in rows}
            fund_payer = f"fund:{self.fund}"
            reserved = sum(
                k.refund_fen
                for k in mine
                if k.payer == fund_payer
                and k.status in RESERVING
                and k.case_type == "return_refund"
                and k.id not in refunded
            )
            paid_by_fund = sum(r.amount_fen for r in rows if r.payer == fund_payer)
            spent = c.execute(
                select(subsidy_funds.c.spent_fen).where(subsidy_funds.c.code == self.fund)
            ).scalar()
            assert spent == paid_by_fund + reserved
            assert sum(trial_balance(c).values()) == 0


@PROPERTY
@given(spec=order_st, opening=st.lists(filing, min_size=1, max_size=3), moves=st.lists(step, max_size=20))
def test_refunds_of_an_order_never_exceed_what_was_paid(app, spec, opening, moves):
    game = Game(app, spec)
    for move in opening + moves:
        try:
            game.play(move)
            event(f"{move[0]} done")
        except Skipped:
            continue
        except IllegalTransition:
            raise  # services check states themselves: this is a lifecycle bug
        except DomainError:
            event(f"{move[0]} refused")  # refused: must have changed nothing the invariants see
        game.check()
    for _ in range(3):  # let every deadline pass and every refund complete
        app.clock.advance(timedelta(hours=170))
        aftersales.sweep_case_deadlines(app.uow, app.rulebook, app.clock)
        aftersales.complete_refunds(app.uow, app.payments, app.clock)
    game.check()
    with app.uow.read() as c:
        left = c.execute(select(cases.c.status).where(cases.c.order_id == game.order_id)).scalars().all()
        pending = c.execute(
            select(func.count())
            .select_from(refunds)
            .where(refunds.c.order_id == game.order_id, refunds.c.status == "pending")
        ).scalar()
    for status in set(left):
        event(f"ends {status}")
    assert pending == 0
    assert set(left) <= {"refunded", "exchanged", "closed", "cancelled", "escalated"}, left
