"""After-sales demo data (售后): the three shops' pledges, the platform's fresh-produce guarantee
fund, the umbrella factory's shipping insurance (运费险), and cases in every state of the
lifecycle on delivered demo orders. The demo's orders are paid after the platform's 坏了包退
guarantee was withdrawn (2026-07-06), so every damage claim here is paid by the shop's own pledge:
the florist pays every damaged stem, the fruit seller refunds rot and insect damage by the former
guarantee's table. Every case is filed
and moved through the same services the web app calls, at the times it would have happened,
so timelines, deadlines, explanations and ledger entries are what the live system produces.

`approved` and `return_received` are short-lived for refund cases (the worker pays the pending
refund on its next pass), so those two are made last, after the refunds of the others are paid."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts import services as accounts
from pledge.accounts.tables import users
from pledge.aftersales import coverage, insurance
from pledge.aftersales import services as aftersales
from pledge.aftersales.policy import ShopPledge
from pledge.bootstrap import App
from pledge.catalog.tables import products, skus
from pledge.fulfilment.services import apply_tracking_events, ship_order
from pledge.kernel.clock import FixedClock
from pledge.orders import services as orders
from pledge.orders.tables import order_lines
from pledge.payments.adapters import CallbackPayload
from pledge.payments.insurers import insurer_for
from pledge.payments.services import handle_callback
from pledge.uploads.services import save_image

T = TypeVar("T")

FUND_CODE = "fresh-guarantee"
FUND_NAME = "平台生鲜保障基金"
FUND_BUDGET_FEN = 500_000  # 5000 yuan

PLEDGES = {  # shop slug -> (terms, statement)
    "xiaoaruan-flowers": (
        ShopPledge(per_unit_damage=True, damage_reasons=frozenset({"damaged"})),
        "损坏一支也给售后赔付",
    ),
    "dale-fruit": (
        ShopPledge(
            no_evidence_for_declared=True,
            damage_window_extra_hours=24,
            damage_share_table=True,
            damage_reasons=frozenset({"visible_rot", "internal_rot", "insect_damage"}),
        ),
        "坏果虫眼都赔；替父母下单的老人无需拍照，签收后多给24小时反馈",
    ),
    "feilian-umbrella": (ShopPledge(return_window_extra_hours=72), "七天无理由退货再延长3天"),
}


def photo(seed: int, width: int = 160, height: int = 120) -> bytes:
    """A small real PNG (petals and a crease), different for each seed."""
    base = [(230, 180, 40), (200, 60, 90), (240, 140, 30), (120, 90, 200)][seed % 4]
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            crease = abs((x - y - seed * 7) % 53) < 3
            shade = (x * 3 + y * 2 + seed * 11) % 40
            row += bytes((60, 50, 40) if crease else (min(255, c + shade - 20) for c in base))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


class _Demo:
    def __init__(
        self, app: App, clock: FixedClock, shops: list[dict], buyers: list[accounts.Actor], now: datetime
    ):
        self.app, self.clock, self.now = app, clock, now
        self.owner = {s["slug"]: s["owner"] for s in shops}
        self.shop_id = {s["slug"]: s["shop_id"] for s in shops}
        self.buyer = {b.display_name: b for b in buyers}
        self.photos = 0
        with app.uow.read() as conn:
            self.sku_ids = {
                (r.title, r.name): r.id
                for r in conn.execute(
                    select(skus.c.id, skus.c.name, products.c.title).join(
                        products, products.c.id == skus.c.product_id
                    )
                )
            }
            operator_id = conn.execute(
                select(users.c.id).where(users.c.email == "operator@pledge.demo")
            ).scalar_one()
            self.operator = accounts.load_actor(conn, operator_id)

    def hours(self, h: float) -> datetime:
        return self.now + timedelta(hours=h)

    def do(self, fn: Callable[[Connection], T]) -> T:
        with self.app.uow.begin() as conn:
            return fn(conn)

    def paid(self, buyer: str, slug: str, product: str, sku: str, qty: int, paid_at: datetime) -> int:
        actor = self.buyer[buyer]
        placed = self.do(
            lambda c: orders.place_order(
                c,
                actor,
                [orders.LineRequest(self.sku_ids[(product, sku)], qty)],
                at=paid_at - timedelta(minutes=1),
                pay_window=self.app.pay_window,
                guards=self.app.sale_guards,
            )
        )
        self.do(
            lambda c: handle_callback(
                c,
                CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
                book=self.app.rulebook,
                at=paid_at,
            )
        )
        return placed.order_ids[0]

    def delivered(
        self, buyer: str, slug: str, product: str, sku: str, qty: int, delivered_at: datetime
    ) -> tuple[int, int]:
        """An order paid 40 h before `delivered_at` and handed to SF 4 h after payment (the
        sandbox carrier delivers 36 h after hand-over); returns (order id, its line id)."""
        paid_at = delivered_at - timedelta(hours=40)
        order_id = self.paid(buyer, slug, product, sku, qty, paid_at)

        def ship(c: Connection) -> int:
            ship_order(
                c,
                self.owner[slug],
                order_id=order_id,
                carrier="sf",
                tracking_no=f"SF{7000000000 + order_id}",
                at=paid_at + timedelta(hours=4),
            )
            apply_tracking_events(c, now=delivered_at)
            return c.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)).scalar_one()

        return order_id, self.do(ship)

    def file(
        self,
        buyer: str,
        order_id: int,
        case_type: str,
        reason: str,
        lines: list[tuple[int, int]],
        at: datetime,
        *,
        photos: int = 0,
        note: str = "",
        cannot_upload: bool = False,
    ) -> int:
        actor = self.buyer[buyer]

        def run(c: Connection) -> int:
            ids = []
            for _ in range(photos):
                self.photos += 1
                ids.append(
                    save_image(
                        c,
                        self.app.files,
                        actor,
                        data=photo(self.photos),
                        filename=f"evidence-{self.photos}.png",
                        at=at,
                    )
                )
            return aftersales.file_case(
                c,
                actor,
                aftersales.NewCase(order_id, case_type, reason, lines, note, ids, cannot_upload),
                book=self.app.rulebook,
                at=at,
            )

        return self.do(run)

    def review(self, slug: str, case_id: int, approve: bool, note: str, at: datetime) -> None:
        self.do(
            lambda c: aftersales.review_case(
                c, self.owner[slug], case_id, approve=approve, note=note, book=self.app.rulebook, at=at
            )
        )

    def escalate(self, buyer: str, case_id: int, note: str, at: datetime) -> None:
        self.do(lambda c: aftersales.escalate(c, self.buyer[buyer], case_id, note=note, at=at))

    def decide(self, case_id: int, approve: bool, note: str, at: datetime, fund: str | None = None) -> None:
        self.do(
            lambda c: aftersales.decide_escalation(
                c,
                self.operator,
                case_id,
                approve=approve,
                note=note,
                book=self.app.rulebook,
                at=at,
                fund_code=fund,
            )
        )

    def ship_back(
        self, buyer: str, case_id: int, tracking_no: str, at: datetime, postage_fen: int | None = None
    ) -> None:
        self.do(
            lambda c: aftersales.ship_return(
                c,
                self.buyer[buyer],
                case_id,
                carrier="sf",
                tracking_no=tracking_no,
                book=self.app.rulebook,
                at=at,
                postage_fen=postage_fen,
            )
        )

    def receive(self, slug: str, case_id: int, at: datetime) -> None:
        self.do(lambda c: aftersales.receive_return(c, self.owner[slug], case_id, at=at))

    def settle(self, at: datetime) -> None:
        """What the worker does at `at`: act on passed deadlines, pay pending refunds, then the
        shipping-insurance claims those refunds opened."""
        self.clock.set(at)
        aftersales.sweep_case_deadlines(self.app.uow, self.app.rulebook, self.clock)
        aftersales.complete_refunds(self.app.uow, self.app.payments, self.clock)
        insurance.pay_claims(self.app.uow, insurer_for(self.app), self.clock)


def _pledges_and_fund(demo: _Demo) -> None:
    def run(c: Connection) -> None:
        for slug, (terms, statement) in PLEDGES.items():
            aftersales.set_shop_pledge(
                c, demo.owner[slug], demo.shop_id[slug], terms, statement, at=demo.hours(-96)
            )
        aftersales.mark_trusted_buyer(
            c,
            demo.owner["dale-fruit"],
            demo.shop_id["dale-fruit"],
            demo.buyer["王奶奶"].user_id,
            "女儿替妈妈下单，老人不会拍照上传",
        )
        aftersales.open_subsidy_fund(
            c, demo.operator, code=FUND_CODE, name=FUND_NAME, budget_fen=FUND_BUDGET_FEN
        )

    demo.do(run)


def _shipping_insurance(demo: _Demo) -> None:
    """The umbrella factory insures its ready-made umbrellas (小件运费险, up to 24 yuan) from the
    day after it opened, before the demo's return orders were paid."""

    def run(c: Connection) -> None:
        shop_id = demo.shop_id["feilian-umbrella"]
        for product_id in c.execute(
            select(products.c.id).where(products.c.shop_id == shop_id, products.c.custom_made.is_(False))
        ).scalars():
            coverage.set_shipping_insurance(
                c,
                demo.owner["feilian-umbrella"],
                product_id,
                tier="small",
                book=demo.app.rulebook,
                at=demo.hours(-119),
            )

    demo.do(run)


# The shops and goods the cases are about.
FLOWERS, FRUIT, UMBRELLAS = "xiaoaruan-flowers", "dale-fruit", "feilian-umbrella"
SUNFLOWERS, ROSES, PEONIES = "A级向日葵 12枝 顺丰空运", "多头玫瑰 20枝 昆明基地直发", "芍药 10枝 含苞待放"
ORANGES, MANGOES = "赣南脐橙 5斤装 现摘现发", "海南贵妃芒 3斤"
LASER, CLOAK, KIDS = "镭射变色晴雨伞 遇水开花", "钓鱼斗篷伞 大号防晒", "卡通复刻儿童伞"


def seed_aftersales(
    app: App, clock: FixedClock, shops: list[dict], buyers: list[accounts.Actor], now: datetime
) -> int:
    """Cases in every state; returns how many were filed."""
    d = _Demo(app, clock, shops, buyers, now)
    _pledges_and_fund(d)
    _shipping_insurance(d)
    filed = _damage_claims(d) + _open_requests(d) + _disputes(d) + _returns(d) + _latest(d, now)
    clock.set(now)
    return len(filed)


def _damage_claims(d: _Demo) -> list[int]:
    """Damage claims the shops answered, or did not in time."""
    h = d.hours
    filed = []

    # refunded: the florist never reviewed a crushed-roses claim (her pledge pays every damaged
    # stem); the sweep approved it when the 48 h review time passed.
    order, line = d.delivered("陈晨", FLOWERS, ROSES, "粉色 20枝", 3, h(-62))
    filed.append(
        d.file(
            "陈晨", order, "damage_claim", "damaged", [(line, 1)], h(-60), photos=2, note="一扎花头全部压断"
        )
    )
    d.settle(h(-12) + timedelta(minutes=5))  # 48 h review deadline (review.default-48h) passed

    # requested: waiting on the florist, 47 h left.
    order, line = d.delivered("小林", FLOWERS, SUNFLOWERS, "12枝", 4, h(-10))
    filed.append(
        d.file(
            "小林",
            order,
            "damage_claim",
            "damaged",
            [(line, 2)],
            h(-1),
            photos=1,
            note="快递压坏了两扎，花头折断",
        )
    )

    # refunded without a photo: 王奶奶 is marked by the fruit seller (its no-photo pledge).
    order, line = d.delivered("王奶奶", FRUIT, ORANGES, "10斤 大果", 3, h(-30))
    case = d.file(
        "王奶奶",
        order,
        "damage_claim",
        "visible_rot",
        [(line, 1)],
        h(-26),
        cannot_upload=True,
        note="有一箱烂了好几个，我不会拍照",
    )
    d.review(FRUIT, case, True, "王奶奶您好，已为您退款，坏果不用寄回", h(-20))
    filed.append(case)
    return filed


def _open_requests(d: _Demo) -> list[int]:
    """Two more requests waiting on the florist, so that a merchant (or the Chromium journey, at
    two widths) always finds an open one to answer from the dashboard."""
    h = d.hours
    filed = []
    for buyer, product, sku, note, delivered in (
        ("孙悦", ROSES, "香槟 20枝", "到货时两枝花头折断", h(-9)),
        ("陈晨", PEONIES, "粉玉奴 10枝", "花苞压扁了一枝", h(-7)),
    ):
        order, line = d.delivered(buyer, FLOWERS, product, sku, 2, delivered)
        filed.append(
            d.file(
                buyer,
                order,
                "damage_claim",
                "damaged",
                [(line, 1)],
                delivered + timedelta(hours=5),
                photos=1,
                note=note,
            )
        )
    return filed


def _disputes(d: _Demo) -> list[int]:
    """Rejections, escalations and the platform's decisions."""
    h = d.hours
    filed = []

    # rejected: the buyer may still ask the platform to step in (24 h).
    order, line = d.delivered("张伟", FRUIT, ORANGES, "5斤 中果", 2, h(-30))
    case = d.file("张伟", order, "damage_claim", "visible_rot", [(line, 1)], h(-20), photos=1)
    d.review(FRUIT, case, False, "照片中为果皮自然斑点，不影响食用，可联系客服补发", h(-3))
    filed.append(case)

    # escalated: waiting on the platform.
    order, line = d.delivered("刘洋", FRUIT, MANGOES, "3斤 精选", 2, h(-30))
    case = d.file("刘洋", order, "damage_claim", "internal_rot", [(line, 1)], h(-26), photos=2)
    d.review(FRUIT, case, False, "芒果为自然后熟，内部颜色正常", h(-20))
    d.escalate("刘洋", case, "切开后内部发黑，附照片", h(-6))
    filed.append(case)

    # refunded by the platform's fund after an escalation.
    order, line = d.delivered("赵敏", FRUIT, ORANGES, "5斤 中果", 2, h(-34))
    case = d.file("赵敏", order, "damage_claim", "visible_rot", [(line, 2)], h(-30), photos=1)
    d.review(FRUIT, case, False, "属于个别情况，建议补发", h(-28))
    d.escalate("赵敏", case, "两箱都烂了，不需要补发", h(-25))
    d.decide(case, True, "照片显示两箱均有腐烂，平台生鲜保障基金先行赔付", h(-10), fund=FUND_CODE)
    filed.append(case)

    # closed: the platform found the umbrella as described.
    order, line = d.delivered("赵敏", UMBRELLAS, LASER, "极光蓝", 1, h(-50))
    case = d.file(
        "赵敏", order, "refund_only", "not_as_described", [(line, 1)], h(-45), note="淋了雨也没有变色"
    )
    d.review(UMBRELLAS, case, False, "遇水开花需要水珠停留几秒，直播回放有演示", h(-40))
    d.escalate("赵敏", case, "试了好几次都不变色", h(-30))
    d.decide(case, False, "商家视频显示遇水变色功能正常，与描述一致", h(-10))
    filed.append(case)
    return filed


def _returns(d: _Demo) -> list[int]:
    """Returns and an exchange on their way back."""
    h = d.hours
    filed = []

    # awaiting_return: a 7-day no-reason return, approved (the umbrella factory adds 72 h); the
    # cloak umbrella carries shipping insurance, so the postage will be paid once it is refunded.
    order, line = d.delivered("孙悦", UMBRELLAS, CLOAK, "加大款", 1, h(-60))
    case = d.file("孙悦", order, "return_refund", "no_reason", [(line, 1)], h(-50))
    d.review(UMBRELLAS, case, True, "", h(-40))
    filed.append(case)

    # return_shipped: one of two children's umbrellas on its way back.
    order, line = d.delivered("小林", UMBRELLAS, KIDS, "小黄鸭", 2, h(-70))
    case = d.file("小林", order, "return_refund", "no_reason", [(line, 1)], h(-65))
    d.review(UMBRELLAS, case, True, "", h(-60))
    d.ship_back("小林", case, "SF1300000001", h(-30), postage_fen=1200)
    filed.append(case)

    # exchanged: wrong colour sent, swapped; the shipping insurance pays the 15.00 postage.
    order, line = d.delivered("陈晨", UMBRELLAS, LASER, "星空紫", 1, h(-75))
    case = d.file(
        "陈晨", order, "exchange", "wrong_item", [(line, 1)], h(-74), note="拍的极光蓝，发成了星空紫"
    )
    d.review(UMBRELLAS, case, True, "抱歉发错了，收到退货马上换", h(-72))
    d.ship_back("陈晨", case, "SF1300000002", h(-60), postage_fen=1500)
    d.receive(UMBRELLAS, case, h(-20))
    filed.append(case)
    return filed


def _latest(d: _Demo, now: datetime) -> list[int]:
    """A withdrawn case, an instant refund, then (after the worker's pass) the newest."""
    h = d.hours
    filed = []

    # cancelled: the buyer withdrew it.
    order, line = d.delivered("张伟", FLOWERS, ROSES, "香槟 20枝", 1, h(-12))
    case = d.file("张伟", order, "refund_only", "quality", [(line, 1)], h(-8))
    d.do(lambda c: aftersales.cancel_case(c, d.buyer["张伟"], case, at=h(-7)))
    filed.append(case)

    # refunded at once: an instant refund (极速退款) before shipment.
    order = d.paid("刘洋", UMBRELLAS, LASER, "极光蓝", 1, h(-3))
    filed.append(d.file("刘洋", order, "instant_refund", "other", [], h(-2), note="拍重了"))

    d.settle(now)

    # approved: the florist agreed an hour ago; the refund goes out on the worker's next pass.
    order, line = d.delivered("李雪", FLOWERS, PEONIES, "粉玉奴 10枝", 2, h(-20))
    case = d.file("李雪", order, "damage_claim", "damaged", [(line, 2)], h(-5), photos=1)
    d.review(FLOWERS, case, True, "非常抱歉，全额退款", h(-1))
    filed.append(case)

    # return_received: the return arrived; refund pending like the one above. The big cloak cost
    # 30.00 to send back: the small-parcel insurance will pay 24.00 of it after the refund.
    order, line = d.delivered("李雪", UMBRELLAS, CLOAK, "加大款", 1, h(-70))
    case = d.file("李雪", order, "return_refund", "quality", [(line, 1)], h(-65), note="伞骨断了一根")
    d.review(UMBRELLAS, case, True, "", h(-60))
    d.ship_back("李雪", case, "SF1300000003", h(-50), postage_fen=3000)
    d.receive(UMBRELLAS, case, h(-2))
    filed.append(case)
    return filed
