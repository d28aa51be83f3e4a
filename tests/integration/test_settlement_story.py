"""Settlement stories. A Kunming florist's September: 2 000 orders of sunflowers, a flower
waiver that starts mid-month, refunds inside and outside the after-sales period, one late
shipment, a turnover rebate tier crossed, the deposit, a payout the bank sends back; every
total is checked against hand arithmetic, the ledger and the PDF."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from pledge.accounts import services as accounts
from pledge.aftersales.services import complete_refunds
from pledge.aftersales.tables import cases, refunds
from pledge.catalog import services as catalog
from pledge.catalog.tables import skus
from pledge.compensation.tables import compensations
from pledge.fulfilment.services import apply_tracking_events, ship_order
from pledge.kernel.clock import zone
from pledge.kernel.errors import Conflict, InvalidInput
from pledge.kernel.money import format_yuan
from pledge.lateship.services import sweep_late_ship
from pledge.ledger import services as ledger
from pledge.orders import services as orders
from pledge.orders.tables import checkouts, order_lines, payments
from pledge.orders.tables import orders as orders_table
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.promises.model import Promise
from pledge.settlement import accounts as finance_accounts
from pledge.settlement import deposits, payouts, programs, queries, reports, statements
from pledge.settlement import services as settlement
from pledge.settlement.payouts import SandboxPayoutProvider
from pledge.settlement.tables import fee_lines, fee_orders

SH = zone("Asia/Shanghai")
PRICE = 1990  # 19.90 yuan: 12 A-grade sunflowers


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def approved_refund(app, order_id: int, buyer_id: int, shop_id: int, amount_fen: int, asked_at) -> None:
    """An approved refund-only case for the order (damaged flowers, paid by the merchant) and its
    pending refund, which the worker's pass pays through the sandbox."""
    with app.uow.begin() as c:
        case_id = c.execute(
            cases.insert().values(
                order_id=order_id,
                buyer_id=buyer_id,
                shop_id=shop_id,
                case_type="refund_only",
                status="approved",
                reason="quality",
                refund_fen=amount_fen,
                payer="merchant",
                clause_id="return.no-reason-7d",
                clause_source="douyin:aJmEsBoSPU5g",
                explanation="花有损坏，退款",
                created_at=asked_at,
                decided_at=asked_at,
            )
        ).inserted_primary_key[0]
        c.execute(
            refunds.insert().values(
                idempotency_key=f"refund:{case_id}",
                case_id=case_id,
                order_id=order_id,
                shop_id=shop_id,
                amount_fen=amount_fen,
                payer="merchant",
                status="pending",
                created_at=app.clock.now(),
            )
        )


class Florist:
    """A florist shop selling sunflowers under 鲜花园艺 > 鲜切花, its owner, an operator and a buyer."""

    def __init__(self, app, clock, tag: str = "") -> None:
        self.app, self.clock = app, clock
        with app.uow.begin() as c:
            top = catalog.create_category(c, name="鲜花园艺", name_en="Flowers & gardening")
            self.category_id = catalog.create_category(c, name="鲜切花", name_en="Cut flowers", parent_id=top)
            self.shop_id = catalog.create_shop(
                c, name="小阿阮鲜花", slug=f"xiaoaruan{tag}", city="昆明", at=clock.now()
            )
            owner_id = accounts.create_user(
                c,
                email=f"florist{tag}@example.cn",
                password="password123",
                display_name="阿阮",
                at=clock.now(),
            )
            accounts.add_shop_member(c, shop_id=self.shop_id, user_id=owner_id, role="owner")
            self.owner = accounts.load_actor(c, owner_id)
            op_id = accounts.create_user(
                c,
                email=f"ops{tag}@example.cn",
                password="password123",
                display_name="运营",
                at=clock.now(),
                platform_role="operator",
            )
            self.operator = accounts.load_actor(c, op_id)
            buyer_id = accounts.create_user(
                c, email=f"buyer{tag}@example.cn", password="password123", display_name="小林", at=clock.now()
            )
            self.buyer = accounts.load_actor(c, buyer_id)
            self.product_id = catalog.create_product(
                c,
                self.owner,
                catalog.NewProduct(
                    self.shop_id,
                    self.category_id,
                    "A级向日葵 12枝",
                    Promise.parse("48h"),
                    [catalog.NewSku("12枝", PRICE, 100_000)],
                ),
                at=clock.now(),
                guards=app.listing_guards,
            )
            self.sku_id = c.execute(
                select(skus.c.id).where(skus.c.product_id == self.product_id)
            ).scalar_one()

    def bulk_orders(
        self,
        paid_times: list[datetime],
        *,
        channel: str = "product_card",
        price: int = PRICE,
        product: tuple[int, int] | None = None,
        promise_hours: int = 48,
        pickup_after: timedelta | None = timedelta(hours=4),
        deliver_after: timedelta | None = timedelta(hours=30),
    ) -> list[int]:
        """One-line orders paid at the given times, inserted set-based (with their payments and the
        payment ledger transactions): by default picked up 4 h and delivered 30 h after payment;
        `product` is (product_id, sku_id), by default the sunflowers."""
        product_id, sku_id = product or (self.product_id, self.sku_id)
        status = (
            "delivered" if deliver_after is not None else "shipped" if pickup_after is not None else "paid"
        )
        with self.app.uow.begin() as c:
            checkout_ids = [
                r.id
                for r in c.execute(
                    checkouts.insert().returning(checkouts.c.id, sort_by_parameter_order=True),
                    [
                        {"buyer_id": self.buyer.user_id, "total_fen": price, "created_at": t}
                        for t in paid_times
                    ],
                )
            ]
            order_ids = [
                r.id
                for r in c.execute(
                    orders_table.insert().returning(orders_table.c.id, sort_by_parameter_order=True),
                    [
                        {
                            "checkout_id": k,
                            "buyer_id": self.buyer.user_id,
                            "shop_id": self.shop_id,
                            "status": status,
                            "items_fen": price,
                            "discount_fen": 0,
                            "paid_fen": price,
                            "promise_kind": "hours",
                            "promise_hours": promise_hours,
                            "promise_source": "product",
                            "promise_candidates": f'[["product", "{promise_hours}h"]]',
                            "created_at": t,
                            "pay_by": t,
                            "paid_at": t,
                            "ship_by": t + timedelta(hours=promise_hours),
                            "shipped_at": t + pickup_after if pickup_after is not None else None,
                            "picked_up_at": t + pickup_after if pickup_after is not None else None,
                            "delivered_at": t + deliver_after if deliver_after is not None else None,
                            "channel": channel,
                        }
                        for k, t in zip(checkout_ids, paid_times, strict=False)
                    ],
                )
            ]
            c.execute(
                order_lines.insert(),
                [
                    {
                        "order_id": o,
                        "shop_id": self.shop_id,
                        "sku_id": sku_id,
                        "product_id": product_id,
                        "title": "A级向日葵 12枝 · 12枝",
                        "quantity": 1,
                        "unit_price_fen": price,
                        "line_total_fen": price,
                    }
                    for o in order_ids
                ],
            )
            pay_ids = [
                r.id
                for r in c.execute(
                    payments.insert().returning(payments.c.id, sort_by_parameter_order=True),
                    [
                        {
                            "checkout_id": k,
                            "buyer_id": self.buyer.user_id,
                            "amount_fen": price,
                            "provider": "sandbox",
                            "provider_ref": f"sbx_bulk_{k}",
                            "status": "captured",
                            "created_at": t,
                            "captured_at": t,
                        }
                        for k, t in zip(checkout_ids, paid_times, strict=False)
                    ],
                )
            ]
            ledger.record_many(
                c,
                [
                    ledger.Transaction(
                        f"payment:{p}",
                        "payment",
                        "bulk",
                        (ledger.Posting(ledger.PAYMENTS_IN, ledger.shop_proceeds(self.shop_id), price),),
                        at=t,
                    )
                    for p, t in zip(pay_ids, paid_times, strict=False)
                ],
                at=paid_times[0],
            )
        return order_ids

    def add_product(
        self, category: str, parent: str, title: str = "盆栽", price: int = PRICE
    ) -> tuple[int, int]:
        """Another product of the shop, in `category` under `parent`: (product_id, sku_id)."""
        with self.app.uow.begin() as c:
            top = catalog.create_category(c, name=parent, name_en=parent)
            category_id = catalog.create_category(c, name=category, name_en=category, parent_id=top)
            product_id = catalog.create_product(
                c,
                self.owner,
                catalog.NewProduct(
                    self.shop_id,
                    category_id,
                    title,
                    Promise.parse("48h"),
                    [catalog.NewSku("一盆", price, 100_000)],
                ),
                at=self.clock.now(),
                guards=self.app.listing_guards,
            )
            return product_id, c.execute(
                select(skus.c.id).where(skus.c.product_id == product_id)
            ).scalar_one()

    def refund(self, order_id: int, amount_fen: int) -> None:
        """An approved refund-only case for the order, paid by the worker through the sandbox."""
        approved_refund(self.app, order_id, self.buyer.user_id, self.shop_id, amount_fen, self.clock.now())

    def worker(self, provider) -> dict:
        self.do(lambda c: apply_tracking_events(c, now=self.clock.now()))
        complete_refunds(self.app.uow, self.app.payments, self.clock)
        return settlement.run_step(self.app.uow, self.app.rulebook, self.clock, provider)

    def do(self, fn):
        with self.app.uow.begin() as c:
            return fn(c)

    def read(self, fn):
        with self.app.uow.read() as c:
            return fn(c)


def test_a_florists_month(app, clock):
    provider = SandboxPayoutProvider(app.uow)
    clock.set(sh(2026, 8, 1, 9))
    f = Florist(app, clock)
    book = app.rulebook

    # The platform launches a flower waiver from 15 September that keeps 0.6 %, and a turnover
    # rebate the florist applies for and the operator approves.
    waiver_id = f.do(
        lambda c: programs.create_program(
            c,
            f.operator,
            programs.ProgramSpec(
                code="flowers-2026",
                kind="category_waiver",
                name="鲜花园艺免佣",
                name_en="Flower waiver",
                starts_at=sh(2026, 9, 15),
                rate_bp=60,
                categories=("鲜花园艺",),
            ),
            at=clock.now(),
        )
    )
    rebate_id = f.do(
        lambda c: programs.create_program(
            c,
            f.operator,
            programs.ProgramSpec(
                code="rebate-2026",
                kind="turnover_rebate",
                name="多卖多返",
                name_en="Sell more, get more back",
                starts_at=sh(2026, 9, 1),
                requires_application=True,
                tiers=((1_000_000, 1000), (3_000_000, 2000), (5_000_000, 4000)),
            ),
            at=clock.now(),
        )
    )
    app_id = f.do(lambda c: programs.apply_to_program(c, f.owner, f.shop_id, rebate_id, at=clock.now()))
    assert (
        f.do(lambda c: programs.decide_application(c, f.operator, app_id, approve=True, at=clock.now()))
        == "approved"
    )

    # 1 000 orders from 1 to 14 September at the standard 5 %, 1 000 from 15 to 30 September.
    first = f.bulk_orders([sh(2026, 9, 1) + timedelta(seconds=1209 * i) for i in range(1000)])
    second = f.bulk_orders([sh(2026, 9, 15) + timedelta(seconds=1382 * j) for j in range(1000)])
    assert f.read(lambda c: c.execute(select(func.max(orders_table.c.paid_at))).scalar()) < sh(
        2026, 9, 30, 23, 59
    )

    # One order through the real services ships three days late and is compensated by the sweep.
    clock.set(sh(2026, 9, 2, 10))
    placed = f.do(
        lambda c: orders.place_order(
            c,
            f.buyer,
            [orders.LineRequest(f.sku_id, 1)],
            at=clock.now(),
            pay_window=app.pay_window,
            guards=app.sale_guards,
        )
    )
    f.do(
        lambda c: handle_callback(
            c, CallbackPayload(placed.payment_ref, placed.total_fen, "captured"), book=book, at=clock.now()
        )
    )
    late = placed.order_ids[0]
    # three days late: nothing in the late-ship table's first column for a 48 h promise; more than
    # 48 h late, the out-of-stock deduction 1 % of 19.90, at least 2 yuan (out-of-stock.pay.le48h)
    clock.set(sh(2026, 9, 7, 10))
    f.do(
        lambda c: ship_order(
            c, f.owner, order_id=late, carrier="sf", tracking_no="SF5550001111", at=clock.now()
        )
    )
    clock.set(sh(2026, 9, 8, 12))
    f.do(lambda c: apply_tracking_events(c, now=clock.now()))
    sweep_late_ship(app.uow, book, clock)
    deduction = int(
        f.read(
            lambda c: c.execute(
                select(func.sum(compensations.c.amount_fen)).where(  # numeric on PostgreSQL
                    compensations.c.order_id == late
                )
            ).scalar_one()
        )
    )
    assert deduction == 200

    # The worker runs mid-month: fees on everything paid so far; orders 3 days past delivery settle.
    clock.set(sh(2026, 9, 15, 12))
    report = f.worker(provider)
    assert report["fees_charged"] == 1000 + 1 + sum(
        1 for j in range(1000) if sh(2026, 9, 15) + timedelta(seconds=1382 * j) <= clock.now()
    )
    assert report["settled"] > 0

    # 19 September: refunds. Ten orders of the first half and ten of the second within the
    # after-sales period (the whole fee comes back), one half refund (half the fee), and order
    # #1, already settled, outside it (its fee stays charged).
    clock.set(sh(2026, 9, 19, 12))
    for o in first[900:910] + second[:10]:
        f.refund(o, PRICE)
    f.refund(first[910], PRICE // 2)
    f.refund(first[0], PRICE)
    clock.set(sh(2026, 9, 30, 23, 59))
    f.worker(provider)

    # --- September's commission, by hand -------------------------------------------------------
    std_fee = 100  # 19.90 × 5 % = 0.995 → 1.00 (half-up to the fen)
    waived_fee = 12  # 19.90 × 0.6 % = 0.1194 → 0.12
    fees = 1001 * std_fee + 1000 * waived_fee
    fee_back = 10 * std_fee + 10 * waived_fee + std_fee * 995 // 1990  # = 1 000 + 120 + 50
    refunded = 21 * PRICE + PRICE // 2
    sales = 2001 * PRICE
    assert (fees, fee_back, refunded, sales) == (112_100, 1_170, 42_785, 3_981_990)
    charged = f.read(
        lambda c: c.execute(
            select(func.sum(fee_orders.c.fee_fen), func.sum(fee_orders.c.standard_fee_fen))
        ).one()
    )
    assert tuple(charged) == (fees, 2001 * std_fee)
    assert (
        f.read(lambda c: c.execute(select(func.count()).where(fee_lines.c.program_id == waiver_id)).scalar())
        == 1000
    )
    assert f.read(lambda c: ledger.balance(c, finance_accounts.FEES)) == fees - fee_back
    clause = f.read(
        lambda c: c.execute(select(fee_lines.c.clause_id).where(fee_lines.c.order_id == first[0])).scalar()
    )
    assert clause == "commission.rate.flowers"

    # --- month end: the rebate tier reached ----------------------------------------------------
    clock.set(sh(2026, 10, 1, 1))
    report = f.worker(provider)
    assert report["rebates"] == 1
    turnover = sales - refunded  # 39 392.05 yuan: past the 30 000 tier, short of 50 000
    rebate = (fees - fee_back) * 2000 // 10_000
    assert rebate == 22_186
    progs = f.read(lambda c: queries.shop_programs(c, f.owner, f.shop_id, now=clock.now()))
    by_code = {p["code"]: p for p in progs["programs"]}
    assert by_code["flowers-2026"]["saved_fen"] == 1000 * (std_fee - waived_fee)
    assert by_code["rebate-2026"]["returned_fen"] == rebate
    assert f.worker(provider)["rebates"] == 0  # once per month, however often the worker runs

    # --- 10 October: everything has settled ----------------------------------------------------
    clock.set(sh(2026, 10, 10, 9))
    f.worker(provider)
    bal = f.read(lambda c: queries.balance(c, f.owner, book, f.shop_id, now=clock.now()))
    expected_available = sales - fees + fee_back - refunded - deduction + rebate
    assert bal["pending_fen"] == 0
    assert bal["available_fen"] == expected_available
    # September's paid GMV, 39 820 yuan, is in the 500-yuan tier from 8 October; nothing paid in yet
    assert (
        bal["payouts_paused"]
        and bal["deposit_tier_fen"] == 50_000
        and bal["deposit_clause"] == "deposit.base.gmv-0-50k"
    )
    with pytest.raises(Conflict, match="payouts are paused"):
        f.do(lambda c: payouts.request_payout(c, f.owner, book, f.shop_id, amount_fen=100, at=clock.now()))
    f.do(
        lambda c: deposits.top_up_deposit(
            c, f.operator, f.shop_id, amount_fen=200_000, reference="BANK-0001", at=clock.now()
        )
    )
    with pytest.raises(InvalidInput, match="more than the available balance"):
        f.do(
            lambda c: payouts.request_payout(
                c, f.owner, book, f.shop_id, amount_fen=expected_available + 1, at=clock.now()
            )
        )

    # The florist takes everything out; the bank sends it back once (wrong account name); she
    # takes it out again. Each movement happens exactly once however often the worker runs.
    first_payout = f.do(
        lambda c: payouts.request_payout(
            c, f.owner, book, f.shop_id, amount_fen=expected_available, at=clock.now()
        )
    )
    assert f.worker(provider)["payouts_sent"] == 1 and f.worker(provider)["payouts_sent"] == 0
    f.do(lambda c: payouts.return_payout(c, f.operator, first_payout, reason="户名不符", at=clock.now()))
    with pytest.raises(Conflict):
        f.do(lambda c: payouts.return_payout(c, f.operator, first_payout, reason="again", at=clock.now()))
    assert f.read(lambda c: ledger.balance(c, finance_accounts.available(f.shop_id))) == expected_available
    f.do(
        lambda c: payouts.request_payout(
            c, f.owner, book, f.shop_id, amount_fen=expected_available, at=clock.now()
        )
    )
    f.worker(provider)
    assert f.read(lambda c: ledger.balance(c, finance_accounts.available(f.shop_id))) == 0
    assert (
        f.read(lambda c: ledger.balance(c, finance_accounts.BANK))
        == 2 * expected_available - expected_available - 200_000
    )
    # The merchant was paid sales − fees − deductions − refunds + rebates, to the fen.
    assert expected_available == 3_981_990 - 112_100 + 1_170 - 42_785 - deduction + 22_186
    assert sum(f.read(ledger.trial_balance).values()) == 0

    # --- the statements equal the ledger, and the PDF shows the same totals --------------------
    sept = f.read(lambda c: reports.statement(c, f.owner, book, f.shop_id, "2026-09"))
    assert sept["reconciled"], (sept["totals"], sept["ledger_totals"])
    assert sept["totals"] == {
        "sales": sales,
        "fees": -fees,
        "fee_refunds": fee_back,
        "refunds": -refunded,
        "deductions": -deduction,
        "rebates": 0,
        "payouts": 0,
        "payout_returns": 0,
        "deposits": 0,
        "affiliate": 0,  # no creator sold for the florist this month
        "affiliate_returns": 0,
        "sample_sales": 0,
    }
    assert sept["closing_fen"] == sept["opening_fen"] + sept["net_fen"]
    assert all(line["clause_id"] for line in sept["lines"])
    oct_ = f.read(lambda c: reports.statement(c, f.owner, book, f.shop_id, "2026-10"))
    assert oct_["reconciled"]
    assert oct_["totals"]["rebates"] == rebate and oct_["totals"]["deposits"] == 200_000
    assert (
        oct_["totals"]["payouts"] == -2 * expected_available
        and oct_["totals"]["payout_returns"] == expected_available
    )
    assert oct_["closing_fen"] == 200_000  # only the deposit is left with the platform
    assert oct_["opening_fen"] == sept["closing_fen"]  # the opening is everything before the month

    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(statements.to_pdf(sept, book.timezone))).pages
    )
    for value in (sales, -fees, fee_back, -refunded, -deduction, sept["net_fen"]):
        assert format_yuan(value) in text
    assert "小阿阮鲜花" in text and "commission.rate.flowers" in text
    csv_text = statements.to_csv(sept, book.timezone).decode("utf-8-sig")
    assert f"sales,{format_yuan(sales)},{format_yuan(sales)}" in csv_text and "reconciled,yes" in csv_text

    recon = f.read(lambda c: reports.reconciliation(c, f.operator, book, "2026-10", provider))
    assert recon["ok"] and recon["trial_balance_zero"], recon
    assert turnover == 3_939_205
