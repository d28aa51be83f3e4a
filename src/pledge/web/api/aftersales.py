"""After-sales API (售后): evidence photos, cases and their lifecycle, the shop's queue, the
platform's dispute queue (平台介入) and shop pledges. Each handler is one service call in one
transaction; refused requests change nothing and answer with problem+json.

Approved refunds are recorded as pending and paid by the worker (`complete_refunds`) through the
payment adapter, exactly once under the key `refund:{case_id}`."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from pledge.accounts.services import Actor
from pledge.aftersales import coverage, queries
from pledge.aftersales import services as aftersales
from pledge.aftersales.policy import ShopPledge
from pledge.catalog.tables import products, shops
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.kernel.limits import MAX_AMOUNT_FEN
from pledge.uploads.access import check_readable
from pledge.uploads.services import MAX_BYTES, read_upload
from pledge.web.api.routing import ApiModuleRouter
from pledge.web.api.schemas.aftersales import (
    CaseOut,
    CaseSummaryOut,
    ShippingInsuranceOut,
    ShopPledgeOut,
    UploadPhotoOut,
)
from pledge.web.deps import ApiActor, AppDep, pledge
from pledge.web.photos import FORM_OVERHEAD, photo_too_large, read_photo, store_photo
from pledge.web.types import (
    Carrier,
    CaseNote,
    ClaimedUnits,
    Code,
    ExtraHours,
    Id,
    Note,
    PathId,
    PledgeStatement,
    TrackingNo,
)

router = ApiModuleRouter(tags=["after-sales"])
MAX_CASE_LINES = 100


def case_view(conn: Connection, actor: Actor, case_id: int) -> dict:
    case = queries.case_detail(conn, actor, case_id)
    case["evidence_urls"] = [f"/api/v1/uploads/{u}" for u in case["evidence"]]
    return case


# ---------------------------------------------------------------- uploads

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PNG, JPEG, GIF or WebP, at most 5 MB",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/uploads",
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    summary="Upload an evidence photo (multipart field `file`); returns its upload id",
    responses={201: {"model": UploadPhotoOut}},
)
async def upload_photo(request: Request, actor: ApiActor) -> dict:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BYTES + FORM_OVERHEAD:
        raise photo_too_large(int(length))  # refused before the body is read
    form = await request.form(max_files=1, max_fields=4)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InvalidInput("send the photo as multipart/form-data in the field `file`")
    data = await read_photo(file)
    app = pledge(request)

    def save() -> int:
        with app.uow.begin() as conn:
            return store_photo(app, actor, data, file.filename or "", conn)

    upload_id = await run_in_threadpool(save)
    return {"upload_id": upload_id, "size": len(data)}


@router.get(
    "/uploads/{upload_id}",
    summary="An evidence photo: its uploader, the case's buyer and shop, platform staff",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}},
)
def get_upload(upload_id: PathId, app: AppDep, actor: ApiActor) -> Response:
    with app.uow.read() as conn:
        check_readable(conn, actor, upload_id, shared_with=queries.evidence_parties)
        data, content_type = read_upload(conn, app.files, upload_id)
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


# ---------------------------------------------------------------- cases


class CaseLineIn(BaseModel):
    order_line_id: Id
    units: ClaimedUnits


class CaseIn(BaseModel):
    case_type: Code = Field(
        description="refund_only, return_refund, exchange, instant_refund or damage_claim"
    )
    reason: Code = Field(
        description="damage claims: damaged, thawed_dead, visible_rot, internal_rot, insect_damage "
        "(those that fit the goods' category); "
        "others: no_reason, quality, wrong_item, not_as_described, other"
    )
    lines: list[CaseLineIn] = Field(
        default_factory=list,
        max_length=MAX_CASE_LINES,
        description="omitted for an instant refund (whole order); each order line once",
    )
    note: Note = ""
    upload_ids: list[Id] = Field(default_factory=list, max_length=9)
    cannot_upload: bool = Field(False, description="the buyer declares they cannot take photos")

    @field_validator("lines")
    @classmethod
    def each_order_line_once(cls, lines: list[CaseLineIn]) -> list[CaseLineIn]:
        """One entry per order line, with all its units: two entries for the same line would
        claim it twice in one case."""
        seen = [line.order_line_id for line in lines]
        if len(seen) != len(set(seen)):
            twice = sorted({i for i in seen if seen.count(i) > 1})
            raise ValueError(
                f"order line {', '.join(map(str, twice))} is listed more than once; "
                "list each line once with all its units"
            )
        return lines


class ReviewIn(BaseModel):
    approve: bool
    note: CaseNote = ""


class EscalateIn(BaseModel):
    note: CaseNote = ""


class DecisionIn(BaseModel):
    approve: bool
    note: CaseNote
    fund_code: Code | None = Field(None, description="a platform subsidy fund that pays instead of the shop")


class ReturnShipmentIn(BaseModel):
    carrier: Carrier
    tracking_no: TrackingNo
    postage_fen: int | None = Field(
        None,
        ge=0,
        le=MAX_AMOUNT_FEN,
        description="what sending it back cost, in fen; needed where the order's shipping insurance pays it",
    )


class PledgeIn(BaseModel):
    per_unit_damage: bool = False
    no_evidence_for_declared: bool = False
    damage_window_extra_hours: ExtraHours = 0
    return_window_extra_hours: ExtraHours = 0
    damage_share_table: bool = Field(False, description="refund damage by the former 坏了包退 share table")
    damage_reasons: list[Code] = Field(
        default_factory=list,
        max_length=10,
        description="damage reasons the pledge pays; empty: every reason that fits",
    )
    statement: PledgeStatement = ""


class ShippingInsuranceIn(BaseModel):
    tier: Code | None = Field(
        description="small (up to 24 yuan), upgraded (50), large (1000), or null to stop"
    )


@router.post(
    "/orders/{order_id}/cases",
    status_code=201,
    summary="The buyer files an after-sales case on an order",
    responses={201: {"model": CaseOut}},
)
def file_case(order_id: PathId, body: CaseIn, app: AppDep, actor: ApiActor) -> dict:
    cmd = aftersales.NewCase(
        order_id,
        body.case_type,
        body.reason,
        [(line.order_line_id, line.units) for line in body.lines],
        body.note,
        body.upload_ids,
        body.cannot_upload,
    )
    with app.uow.begin() as conn:
        case_id = aftersales.file_case(conn, actor, cmd, book=app.rulebook, at=app.clock.now())
    with app.uow.read() as conn:
        return case_view(conn, actor, case_id)


@router.get(
    "/cases",
    summary="The caller's cases as a buyer, newest first",
    responses={200: {"model": list[CaseSummaryOut]}},
)
def my_cases(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.buyer_cases(conn, actor)


@router.get(
    "/cases/{case_id}",
    summary="One case with its lines, evidence, timeline, deadline and refund",
    responses={200: {"model": CaseOut}},
)
def get_case(case_id: PathId, app: AppDep, actor: ApiActor) -> dict:
    with app.uow.read() as conn:
        return case_view(conn, actor, case_id)


def _act(request: Request, actor: Actor, case_id: int, action) -> dict:
    app = pledge(request)
    with app.uow.begin() as conn:
        action(conn, app)
    with app.uow.read() as conn:
        return case_view(conn, actor, case_id)


@router.post(
    "/cases/{case_id}/review",
    summary="The shop approves or rejects (a rejection needs a reason)",
    responses={200: {"model": CaseOut}},
)
def review(case_id: PathId, body: ReviewIn, request: Request, actor: ApiActor) -> dict:
    return _act(
        request,
        actor,
        case_id,
        lambda conn, app: aftersales.review_case(
            conn, actor, case_id, approve=body.approve, note=body.note, book=app.rulebook, at=app.clock.now()
        ),
    )


@router.post(
    "/cases/{case_id}/escalate",
    summary="The buyer asks the platform to step in (平台介入)",
    responses={200: {"model": CaseOut}},
)
def escalate(case_id: PathId, body: EscalateIn, request: Request, actor: ApiActor) -> dict:
    return _act(
        request,
        actor,
        case_id,
        lambda conn, app: aftersales.escalate(conn, actor, case_id, note=body.note, at=app.clock.now()),
    )


@router.post(
    "/cases/{case_id}/decision",
    summary="Operator: decide an escalated case, optionally paid by a subsidy fund",
    responses={200: {"model": CaseOut}},
)
def decide(case_id: PathId, body: DecisionIn, request: Request, actor: ApiActor) -> dict:
    return _act(
        request,
        actor,
        case_id,
        lambda conn, app: aftersales.decide_escalation(
            conn,
            actor,
            case_id,
            approve=body.approve,
            note=body.note,
            book=app.rulebook,
            at=app.clock.now(),
            fund_code=body.fund_code or None,
        ),
    )


@router.post(
    "/cases/{case_id}/return-shipment",
    summary="The buyer sends the goods back",
    responses={200: {"model": CaseOut}},
)
def return_shipment(case_id: PathId, body: ReturnShipmentIn, request: Request, actor: ApiActor) -> dict:
    return _act(
        request,
        actor,
        case_id,
        lambda conn, app: aftersales.ship_return(
            conn,
            actor,
            case_id,
            carrier=body.carrier,
            tracking_no=body.tracking_no,
            book=app.rulebook,
            at=app.clock.now(),
            postage_fen=body.postage_fen,
        ),
    )


@router.post(
    "/cases/{case_id}/return-received",
    summary="The shop confirms the return arrived",
    responses={200: {"model": CaseOut}},
)
def return_received(case_id: PathId, request: Request, actor: ApiActor) -> dict:
    return _act(
        request,
        actor,
        case_id,
        lambda conn, app: aftersales.receive_return(conn, actor, case_id, at=app.clock.now()),
    )


@router.post(
    "/cases/{case_id}/cancel", summary="The buyer withdraws the case", responses={200: {"model": CaseOut}}
)
def cancel(case_id: PathId, request: Request, actor: ApiActor) -> dict:
    return _act(
        request,
        actor,
        case_id,
        lambda conn, app: aftersales.cancel_case(conn, actor, case_id, at=app.clock.now()),
    )


@router.get(
    "/shops/{shop_id}/cases",
    summary="The shop's after-sales queue, nearest deadline first",
    responses={200: {"model": list[CaseSummaryOut]}},
)
def shop_cases(shop_id: PathId, app: AppDep, actor: ApiActor, open_only: bool = True) -> list[dict]:
    with app.uow.read() as conn:
        return queries.shop_queue(conn, actor, shop_id, open_only=open_only)


@router.get(
    "/disputes",
    summary="Platform staff: cases escalated to the platform",
    responses={200: {"model": list[CaseSummaryOut]}},
)
def disputes(app: AppDep, actor: ApiActor) -> list[dict]:
    with app.uow.read() as conn:
        return queries.dispute_queue(conn, actor)


# ---------------------------------------------------------------- shop pledges


def pledge_view(conn: Connection, shop_id: int) -> dict:
    if conn.execute(select(shops.c.id).where(shops.c.id == shop_id)).first() is None:
        raise NotFound(f"no shop {shop_id}")
    found = queries.pledge_of(conn, shop_id)
    if found is None:
        base = ShopPledge()
        found = {
            "shop_id": shop_id,
            "per_unit_damage": base.per_unit_damage,
            "no_evidence_for_declared": base.no_evidence_for_declared,
            "damage_window_extra_hours": base.damage_window_extra_hours,
            "return_window_extra_hours": base.return_window_extra_hours,
            "damage_share_table": base.damage_share_table,
            "damage_reasons": [],
            "statement": "",
            "updated_at": None,
        }
    return found


@router.get(
    "/shops/{shop_id}/pledge",
    summary="What the shop promises beyond the rulebook (public)",
    responses={200: {"model": ShopPledgeOut}},
)
def get_pledge(shop_id: PathId, app: AppDep) -> dict:
    with app.uow.read() as conn:
        return pledge_view(conn, shop_id)


@router.put(
    "/shops/{shop_id}/pledge",
    summary="The shop sets its pledge: it can add to the rulebook, never take away",
    responses={200: {"model": ShopPledgeOut}},
)
def put_pledge(shop_id: PathId, body: PledgeIn, app: AppDep, actor: ApiActor) -> dict:
    terms = ShopPledge(
        body.per_unit_damage,
        body.no_evidence_for_declared,
        body.damage_window_extra_hours,
        body.return_window_extra_hours,
        body.damage_share_table,
        frozenset(body.damage_reasons),
    )
    with app.uow.begin() as conn:
        aftersales.set_shop_pledge(conn, actor, shop_id, terms, body.statement.strip(), at=app.clock.now())
    with app.uow.read() as conn:
        return pledge_view(conn, shop_id)


# ---------------------------------------------------------------- shipping insurance (运费险)


def insurance_view(conn: Connection, book, product_id: int, at) -> dict:
    if conn.execute(select(products.c.id).where(products.c.id == product_id)).first() is None:
        raise NotFound(f"no product {product_id}")
    tier = queries.product_shipping_insurance(conn, product_id, at)
    clause = (
        next((c for c in book.in_force("shipping_insurance", at) if c.get("tier") == tier), None)
        if tier
        else None
    )
    return {
        "product_id": product_id,
        "insured": tier is not None,
        "tier": tier,
        "cap_fen": clause.get("cap_fen") if clause else None,
        "clause": clause.id if clause else None,
        "source": clause.source if clause else None,
    }


@router.get(
    "/products/{product_id}/shipping-insurance",
    summary="Whether the product carries shipping insurance (public)",
    responses={200: {"model": ShippingInsuranceOut}},
)
def get_shipping_insurance(product_id: PathId, app: AppDep) -> dict:
    with app.uow.read() as conn:
        return insurance_view(conn, app.rulebook, product_id, app.clock.now())


@router.put(
    "/products/{product_id}/shipping-insurance",
    summary="The shop buys shipping insurance for a product (tier) or stops it (null)",
    responses={200: {"model": ShippingInsuranceOut}},
)
def put_shipping_insurance(
    product_id: PathId, body: ShippingInsuranceIn, app: AppDep, actor: ApiActor
) -> dict:
    with app.uow.begin() as conn:
        coverage.set_shipping_insurance(
            conn, actor, product_id, tier=body.tier, book=app.rulebook, at=app.clock.now()
        )
    with app.uow.read() as conn:
        return insurance_view(conn, app.rulebook, product_id, app.clock.now())
