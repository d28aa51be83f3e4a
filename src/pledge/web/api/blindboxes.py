"""Blind boxes on the API: a product's disclosed series (also inside GET /products/{id}) and the
draws of an order (its buyer, its shop and platform staff)."""

from dataclasses import asdict
from typing import Annotated

from pydantic import BaseModel, Field

from pledge.blindboxes import queries
from pledge.blindboxes.model import BoxItem, BoxSeries
from pledge.orders.services import get_order_for
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.blindboxes import BlindBoxDrawOut
from pledge.web.deps import ApiActor, AppDep
from pledge.web.types import Code, IntRange, Name, PathId, PriceFen, StockLevel

router = ApiModuleRouter(tags=["blind boxes"])
MAX_ITEMS = 100


class BlindBoxItemIn(BaseModel):
    name: Name
    odds_bp: Annotated[int, IntRange(1, 10_000)] = Field(description="chance of drawing it, in basis points")
    value_fen: PriceFen
    quantity: Annotated[int, IntRange(1, 100_000_000)] = Field(description="units released (投放数量)")
    hidden: bool = False


class BlindBoxSeriesIn(BaseModel):
    """A blind box's series (douyin:aHGYneqr4WDJ 4.5): every item with odds adding up to 10 000."""

    box_type: Code = Field(description="figures, cards, plush, blocks, stationery, seeds, lighters, other")
    factory_sealed: bool
    draws_per_buyer: StockLevel
    items: list[BlindBoxItemIn] = Field(min_length=1, max_length=MAX_ITEMS)

    def series(self) -> BoxSeries:
        return BoxSeries(
            self.box_type,
            self.factory_sealed,
            self.draws_per_buyer,
            tuple(BoxItem(i.name, i.odds_bp, i.value_fen, i.quantity, i.hidden) for i in self.items),
        )


@router.get(
    "/orders/{order_id}/blind-box-draws",
    summary="Which item each blind-box unit of an order drew, and how",
    description="One record per unit: the item, its odds, the roll (0..9999) from the random source, "
    "when, and the first day the record may be deleted (kept 3 years, blindbox.draw-records).",
    responses={200: {"model": list[BlindBoxDrawOut]}},
)
def order_draws(order_id: PathId, app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        get_order_for(conn, actor, order_id)
        return [asdict(draw) for draw in queries.draws_of_order(conn, order_id)]
