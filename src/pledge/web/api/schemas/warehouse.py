"""What the warehouse operations answer, as the OpenAPI document shows it (the handlers return
plain dicts from the queries; these models describe them for clients and for the fuzz test)."""

from datetime import date, datetime

from pydantic import BaseModel


class WaveOutWave(BaseModel):
    id: int
    shop_id: int
    warehouse_id: int
    created_at: datetime
    picked_at: datetime | None


class WaveOutLines(BaseModel):
    sku_id: int
    sku_name: str
    barcode: str
    title: str
    lot_code: str
    expires_on: date | None
    units: int
    parcels: int


class ParcelContentOut(BaseModel):
    sku_id: int
    barcode: str
    name: str
    title: str
    units: int
    scanned: int


class ParcelOut(BaseModel):
    id: int
    order_id: int
    shop_id: int
    warehouse_id: int
    status: str
    wave_id: int
    carrier: str | None
    tracking_no: str | None
    shipment_id: int | None
    created_at: datetime
    packed_at: datetime | None
    labelled_at: datetime | None
    handed_over_at: datetime | None
    contents: list[ParcelContentOut]


class WaveOut(BaseModel):
    wave: WaveOutWave
    warehouse: str
    warehouse_code: str
    lines: list[WaveOutLines]
    parcels: list[ParcelOut]


class PickedOut(BaseModel):
    wave_id: int
    parcels: int


class LabelOut(BaseModel):
    parcel_id: int
    tracking_no: str
    label_url: str


class HandoverOut(BaseModel):
    parcel_id: int
    shipment_id: int
    status: str


class PackReportOut(BaseModel):
    ok: int
    wrong_item: int
    missing_unit: int
