"""What the orders operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import date, datetime

from pydantic import BaseModel

from pledge.web.api.schemas.compensation import CompensationOut


class CartLineSourceOut(BaseModel):
    kind: str  # the channel: live_room, short_video, product_card, search, showcase
    id: int  # the room or video; 0 for the others


class CartLineOut(BaseModel):
    sku_id: int
    quantity: int
    source: CartLineSourceOut


class CartOut(BaseModel):
    lines: list[CartLineOut]


class CheckoutOutPayment(BaseModel):
    provider: str
    ref: str
    pay_url: str


class CheckoutOut(BaseModel):
    checkout_id: int
    order_ids: list[int]
    total_fen: int
    payment: CheckoutOutPayment


class OrderSummaryOutLines(BaseModel):
    id: int
    order_id: int
    sku_id: int
    product_id: int
    title: str
    quantity: int
    unit_price_fen: int
    line_total_fen: int


class OrderShipToOut(BaseModel):
    """The address copied onto the order at checkout; `phone` is in full for the buyer only."""

    recipient: str
    phone: str
    phone_masked: str
    province: str
    city: str
    district: str
    detail: str
    one_line: str


class OrderSummaryOut(BaseModel):
    id: int
    checkout_id: int
    buyer_id: int
    shop_id: int
    status: str
    items_fen: int
    discount_fen: int
    paid_fen: int
    coupon_id: int | None
    promise_kind: str
    promise_hours: int | None
    promise_date: date | None
    promise_source: str
    promise_candidates: str
    created_at: datetime
    pay_by: datetime
    paid_at: datetime | None
    ship_by: datetime | None
    shipped_at: datetime | None
    picked_up_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    late_check_at: datetime | None
    late_exempt_reason: str | None
    channel: str
    booked_delivery_by: datetime | None
    source_ref: str
    shipping_fen: int
    ship_reminders: int
    last_reminded_at: datetime | None
    shop_name: str
    timezone: str
    lines: list[OrderSummaryOutLines]
    ship_to: OrderShipToOut | None


class OrderOutEventsDetail(BaseModel):
    discount_fen: int | None = None
    shipping_fen: int | None = None
    items_fen: int | None = None
    promise: str | None = None
    promise_source: str | None = None
    ship_by: datetime | None = None
    carrier: str | None = None
    tracked: bool | None = None
    tracking_no: str | None = None
    location: str | None = None
    amount_fen: int | None = None
    case_id: int | None = None
    reason: str | None = None
    parcel_id: int | None = None
    wave_id: int | None = None


class OrderOutEvents(BaseModel):
    id: int
    order_id: int
    at: datetime
    kind: str
    detail: OrderOutEventsDetail


class OrderOutShipment(BaseModel):
    id: int
    order_id: int
    parcels: int
    carrier: str
    tracking_no: str
    shipped_at: datetime
    picked_up_at: datetime
    delivered_at: datetime | None


class OrderOutTracking(BaseModel):
    id: int
    shipment_id: int
    kind: str
    occurs_at: datetime
    location: str
    applied: bool


class OrderOut(OrderSummaryOut):
    events: list[OrderOutEvents]
    shipment: OrderOutShipment | None
    tracking: list[OrderOutTracking]
    compensations: list[CompensationOut]


class ShipOut(BaseModel):
    order_id: int
    shipment_id: int
    status: str
