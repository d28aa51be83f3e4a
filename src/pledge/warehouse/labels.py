"""Printable shipping labels (100 × 150 mm, one per page) with the waybill as a Code128 barcode;
a wave's labels print as one PDF. Chinese text uses the embedded Noto Sans SC subset of
pledge.kernel.pdf_fonts (the same font as the statements)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from pledge.accounts.services import Actor
from pledge.accounts.tables import users
from pledge.catalog.tables import shops
from pledge.fulfilment.carriers import CARRIERS
from pledge.inventory.tables import parcels, warehouses
from pledge.kernel.clock import local_time
from pledge.kernel.errors import Conflict
from pledge.kernel.pdf_fonts import cjk_font
from pledge.orders.shipping import ship_to
from pledge.orders.tables import orders
from pledge.warehouse.services import label_lines, own_parcel, own_wave

SIZE = (100 * mm, 150 * mm)
# The Chinese words a label prints around its data (the font subset must hold them).
LABEL_WORDS = "收件人 地址 电话 订单号 包裹 寄件 打印"


ADDRESS_CHARS_PER_LINE = 24  # CJK characters that fit across the label at 10 pt


def _recipient_lines(conn: Connection, order_id: int, buyer: str) -> list[str]:
    """Recipient, phone masked as on a privacy waybill (138****5678), and the address wrapped
    to the label's width; an order without an address shows the buyer's name only."""
    found = ship_to(conn, [order_id], full_phone=False).get(order_id)
    if found is None:
        return [f"收件人: {buyer}"]
    address = found["one_line"]
    wrapped = [
        address[i : i + ADDRESS_CHARS_PER_LINE] for i in range(0, len(address), ADDRESS_CHARS_PER_LINE)
    ]
    return [f"收件人: {found['recipient']}  {found['phone_masked']}", *(f"地址: {wrapped[0]}", *wrapped[1:])]


def _draw(canvas: Canvas, conn: Connection, parcel) -> None:
    info = conn.execute(
        select(
            orders.c.id,
            shops.c.name.label("shop"),
            shops.c.timezone,
            users.c.display_name.label("buyer"),
            warehouses.c.name.label("warehouse"),
            warehouses.c.city,
        )
        .join(shops, shops.c.id == orders.c.shop_id)
        .join(users, users.c.id == orders.c.buyer_id)
        .join(warehouses, warehouses.c.id == parcel.warehouse_id)
        .where(orders.c.id == parcel.order_id)
    ).one()
    width, height = SIZE
    carrier = CARRIERS[parcel.carrier]
    items = label_lines(conn, parcel.id)
    recipient = _recipient_lines(conn, parcel.order_id, info.buyer)
    font = cjk_font(LABEL_WORDS, carrier.name, str(tuple(info)), *recipient, *(title for title, _ in items))
    canvas.setFont(font, 16)
    canvas.drawString(6 * mm, height - 12 * mm, carrier.name)
    barcode = Code128(parcel.tracking_no, barHeight=22 * mm, barWidth=0.42 * mm)
    barcode.drawOn(canvas, (width - barcode.width) / 2, height - 42 * mm)
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawCentredString(width / 2, height - 48 * mm, parcel.tracking_no)
    canvas.setFont(font, 10)
    y = height - 60 * mm
    for text in (
        *recipient,
        f"订单号: {info.id}  包裹: {parcel.id}",
        f"寄件: {info.shop} · {info.warehouse} {info.city}",
        f"打印: {local_time(parcel.labelled_at, info.timezone):%Y-%m-%d %H:%M}",
    ):
        canvas.drawString(6 * mm, y, text)
        y -= 6 * mm
    canvas.line(6 * mm, y + 2 * mm, width - 6 * mm, y + 2 * mm)
    y -= 4 * mm
    for title, units in items:
        canvas.drawString(6 * mm, y, f"{title[:28]} × {units}")
        y -= 5.5 * mm
    canvas.showPage()


def _render(conn: Connection, rows: Sequence[Row]) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=SIZE)
    canvas.setTitle("Pledge shipping labels")
    for row in rows:
        _draw(canvas, conn, row)
    canvas.save()
    return out.getvalue()


def parcel_label_pdf(conn: Connection, actor: Actor, parcel_id: int) -> bytes:
    parcel = own_parcel(conn, actor, parcel_id)
    if parcel.tracking_no is None:
        raise Conflict(f"parcel {parcel_id} has no label yet: pack it, then print its label")
    return _render(conn, [parcel])


def wave_labels_pdf(conn: Connection, actor: Actor, wave_id: int) -> bytes:
    """Batch printing: every labelled parcel of a wave, one page each."""
    own_wave(conn, actor, wave_id)
    rows = conn.execute(
        select(parcels)
        .where(parcels.c.wave_id == wave_id, parcels.c.tracking_no.is_not(None))
        .order_by(parcels.c.id)
    ).all()
    if not rows:
        raise Conflict(f"no parcel of wave {wave_id} has a label yet")
    return _render(conn, rows)
