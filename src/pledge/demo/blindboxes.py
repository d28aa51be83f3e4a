"""Demo: the Kunming florist's flower-seed surprise box (花种盲盒), a blind box the rule allows
(seed packs sealed as a blind box at the factory: no banned kind, douyin:aHGYneqr4WDJ 2.1-2.2),
listed with its series so that its page shows the odds, the value range and the notices. The
demo buyer 小林 has an adult birth date, so the box can be bought from the demo."""

from __future__ import annotations

from datetime import date, datetime

from pledge.accounts.birthdates import set_birth_date
from pledge.accounts.services import Actor
from pledge.blindboxes import services as blindboxes
from pledge.blindboxes.model import BoxItem, BoxSeries, BoxType
from pledge.bootstrap import App
from pledge.catalog import services as catalog
from pledge.promises.model import Promise

SEED_BOX = BoxSeries(
    BoxType.SEEDS.value,
    True,
    6,
    (
        BoxItem("向日葵种子", 3500, 590, 700),
        BoxItem("波斯菊种子", 3000, 690, 600),
        BoxItem("满天星种子", 2000, 890, 400),
        BoxItem("勿忘我种子", 1450, 990, 290),
        BoxItem("蓝色绣球种子", 50, 3990, 10, hidden=True),
    ),
)
ADULT_BUYER = ("小林", date(1995, 6, 18))  # buyer@pledge.demo


def seed_blind_boxes(app: App, florist: dict, buyers: list[Actor], category_id: int, at: datetime) -> int:
    """The florist's seed box; returns its product id."""
    cmd = catalog.NewProduct(
        florist["shop_id"],
        category_id,
        "花种盲盒 四季花种惊喜盒（出厂密封）",
        Promise.parse("48h"),
        [catalog.NewSku("一盒", 1990, 300)],
        "每盒随机一包花种，共5款，隐藏款蓝色绣球。播种、发芽指导见直播间。",
        blind_box=True,
    )
    with app.uow.begin() as conn:
        product_id = blindboxes.list_product(
            conn,
            florist["owner"],
            cmd,
            SEED_BOX,
            book=app.rulebook,
            at=at,
            guards=app.listing_guards,
            screen=app.listing_screen,
        )
        name, born = ADULT_BUYER
        buyer = next(b for b in buyers if b.display_name == name)
        set_birth_date(conn, buyer.user_id, born, at=at)
    return product_id
