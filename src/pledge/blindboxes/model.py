"""A blind box (盲盒, douyin:aHGYneqr4WDJ): a product whose buyer learns which item of its series
they get only after the draw. The series lists every item with its odds (basis points of
10 000), its value and the quantity released; hidden variants (隐藏款) are items like the others,
marked hidden, whose odds are disclosed all the same (4.5)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ODDS_TOTAL_BP = 10_000  # the odds of a series' items add up to 100 %


class BoxType(StrEnum):
    """What the box holds, as the merchant declares it at listing. The banned kinds are the
    ones the rule lists (2.1.1); a rulebook clause per banned kind refuses them."""

    FIGURES = "figures"  # 手办、潮玩
    CARDS = "cards"  # 卡牌
    PLUSH = "plush"  # 毛绒
    BLOCKS = "blocks"  # 拼插积木
    STATIONERY = "stationery"  # 文具
    SEEDS = "seeds"  # 花种、植物种子
    LIGHTERS = "lighters"  # 打火机（居家日用 > 火机烟具 > 打火机盲盒, 4.1)
    OTHER = "other"
    PARCEL = "parcel"  # 快递盲盒
    ANIMAL = "animal"  # 动物盲盒
    DATING = "dating"  # 脱单盲盒
    ELECTRONICS = "electronics"  # 3C数码
    ALCOHOL = "alcohol"  # 酒类
    TRAVEL = "travel"  # 旅游服务
    DRUG = "drug"  # 药品
    MEDICAL_DEVICE = "medical_device"  # 医疗器械


@dataclass(frozen=True)
class BoxItem:
    name: str
    odds_bp: int  # chance of drawing it, in basis points of ODDS_TOTAL_BP
    value_fen: int  # what the item is worth (商品价值)
    quantity: int  # units released in the series (商品投放数量)
    hidden: bool = False  # 隐藏款


@dataclass(frozen=True)
class BoxSeries:
    """What a merchant declares when listing a blind box."""

    box_type: str
    factory_sealed: bool  # 出厂即为盲盒 (2.2)
    draws_per_buyer: int  # 每个系列可以抽取的次数 (4.5): units one buyer may draw in the series
    items: tuple[BoxItem, ...]

    @property
    def value_range_fen(self) -> tuple[int, int]:
        values = [item.value_fen for item in self.items]
        return min(values), max(values)
