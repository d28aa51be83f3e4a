"""The merchant's product editor (商品): list the shop's products, create one, edit one (title,
category by name, photos, SKUs by name with prices in yuan and stock, the ship promise from the
rulebook's options, shipping insurance). A bad field re-shows the form with what was typed and
a translated message; nothing is saved."""

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from pledge.accounts.services import require_shop
from pledge.aftersales import coverage
from pledge.aftersales import queries as aftersales_queries
from pledge.blindboxes import queries as blind_box_queries
from pledge.blindboxes import services as blindboxes
from pledge.bootstrap import App
from pledge.catalog import images, queries
from pledge.catalog import services as catalog
from pledge.kernel.errors import InvalidInput, NotFound
from pledge.kernel.limits import MAX_DAYS, MAX_STOCK
from pledge.kernel.money import format_yuan
from pledge.promises.model import Promise
from pledge.web.deps import CheckedFormData, FormFields, PageCaller, check_csrf, pledge
from pledge.web.disclosure import blind_box_disclosure
from pledge.web.forms import form_text, whole_number, yuan_field
from pledge.web.pages import blind_box_editor
from pledge.web.pages.routing import PageRouter
from pledge.web.photos import read_photo, store_photo
from pledge.web.render import form_error, language, redirect, render
from pledge.web.types import Description, PathId, Title

router = PageRouter(prefix="/merchant")
MAX_SKUS = 50
MAX_PROMISE_HOURS = MAX_DAYS  # hours a merchant-set promise may name (kernel/limits.py bound)


@dataclass(frozen=True)
class SkuRow:
    sku_id: int | None
    name: str
    price: str  # as typed, in yuan
    stock: str


@router.get("/shops/{shop_id}/products")
def product_list(shop_id: PathId, request: Request, caller: PageCaller):
    with pledge(request).uow.read() as conn:
        rows = queries.shop_catalog(conn, caller.actor, shop_id)
    return render(request, "merchant_products.html", shop_id=shop_id, products=rows)


@router.get("/shops/{shop_id}/products/new")
def new_product(shop_id: PathId, request: Request, caller: PageCaller):
    require_shop(caller.actor, shop_id)  # the form is for the shop's members; saving checks again
    return _editor(request, shop_id, None, {"promise_kind": "hours", "promise_hours": 48}, [])


@router.post("/shops/{shop_id}/products")
def create_product(shop_id: PathId, request: Request, caller: PageCaller, data: CheckedFormData):
    form = dict(data)
    rows = _sku_rows(data)
    items = blind_box_editor.typed_rows(data)
    app = pledge(request)
    try:
        edit = _edit_from(form, rows, app)
        series = blind_box_editor.series_from(form, items)
        with app.uow.begin() as conn:
            product_id = blindboxes.list_product(
                conn,
                caller.actor,
                catalog.NewProduct(
                    shop_id,
                    edit.category_id,
                    edit.title,
                    edit.promise,
                    [catalog.NewSku(s.name, s.price_fen, s.stock) for s in edit.skus],
                    edit.description,
                    edit.perishable,
                    edit.custom_made,
                    blind_box=series is not None,
                    booked_delivery=edit.booked_delivery,
                ),
                series,
                book=app.rulebook,
                at=app.clock.now(),
                guards=app.listing_guards,
                screen=app.listing_screen,
            )
    except InvalidInput as exc:
        typed = _typed(form) | blind_box_editor.typed_values(form)
        return _editor(request, shop_id, None, typed, rows, error=exc, items=items)
    return redirect(f"/merchant/products/{product_id}/edit?saved=1")


@router.get("/products/{product_id}/edit")
def edit_product(product_id: PathId, request: Request, caller: PageCaller, saved: int = 0):
    app = pledge(request)
    with app.uow.read() as conn:
        product = queries.product_for_editing(conn, caller.actor, product_id)
    rows = [SkuRow(s["id"], s["name"], format_yuan(s["price_fen"]), str(s["stock"])) for s in product["skus"]]
    values = dict(product, promise_hours=product["promise_hours"] or "")
    return _editor(request, product["shop_id"], product, values, rows, saved=bool(saved))


@router.post("/products/{product_id}")
def save_product(product_id: PathId, request: Request, caller: PageCaller, data: CheckedFormData):
    form = dict(data)
    rows = _sku_rows(data)
    app = pledge(request)
    with app.uow.read() as conn:
        product = queries.product_for_editing(conn, caller.actor, product_id)
    try:
        edit = _edit_from(form, rows, app)
        with app.uow.begin() as conn:
            catalog.update_product(
                conn,
                caller.actor,
                product_id,
                edit,
                at=app.clock.now(),
                screen=app.listing_screen,
                guards=app.listing_guards,
            )
            tier = str(form.get("insurance") or "").strip() or None
            if tier != _insured(conn, product_id, app):
                coverage.set_shipping_insurance(
                    conn, caller.actor, product_id, tier=tier, book=app.rulebook, at=app.clock.now()
                )
    except InvalidInput as exc:
        return _editor(request, product["shop_id"], product, _typed(form), rows, error=exc)
    return redirect(f"/merchant/products/{product_id}/edit?saved=1")


@router.post("/products/{product_id}/images")
async def add_photo(product_id: PathId, request: Request, caller: PageCaller):
    await check_csrf(request, caller)
    upload = (await request.form()).get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("choose a photo to upload")
    data = await read_photo(upload)
    app, name = pledge(request), upload.filename

    def add() -> None:  # in the thread pool, as a plain def handler's work is
        with app.uow.begin() as conn:
            queries.product_for_editing(conn, caller.actor, product_id)  # another shop's: refused first
            upload_id = store_photo(app, caller.actor, data, name, conn)
            images.add_image(conn, caller.actor, product_id=product_id, upload_id=upload_id)

    await run_in_threadpool(add)
    return redirect(f"/merchant/products/{product_id}/edit?saved=1")


def _insured(conn, product_id: int, app: App) -> str | None:
    return aftersales_queries.product_shipping_insurance(conn, product_id, app.clock.now())


def _sku_rows(form: FormData) -> list[SkuRow]:
    ids, names = form.getlist("sku_id"), form.getlist("sku_name")
    prices, stocks = form.getlist("sku_price"), form.getlist("sku_stock")
    rows = []
    for i in range(min(len(names), MAX_SKUS)):
        name = str(names[i]).strip()
        price = str(prices[i]).strip() if i < len(prices) else ""
        stock = str(stocks[i]).strip() if i < len(stocks) else ""
        sku_id = str(ids[i]).strip() if i < len(ids) else ""
        if not (sku_id or name or price or stock):
            continue  # the blank row for a new SKU, left empty
        rows.append(SkuRow(whole_number(sku_id, "SKU", low=1) if sku_id else None, name, price, stock))
    return rows


def promise_choices(app: App) -> list[dict]:
    """The ship promises the rulebook defines (douyin:101706), with their clause text."""
    return [
        {"kind": c.get("promise"), "text": c.text, "text_en": c.text_en}
        for c in app.rulebook.in_force("ship_promise", app.clock.now())
    ]


def _promise_from(form: FormFields, app: App) -> Promise:
    kind = str(form.get("promise_kind") or "")
    if kind not in {c["kind"] for c in promise_choices(app)}:
        raise InvalidInput("choose a ship promise", msgid="merchant.product.promise_required")
    if kind == "hours":
        hours = whole_number(form.get("promise_hours"), "promise hours", 48, low=1, high=MAX_PROMISE_HOURS)
        return Promise("hours", hours=hours)
    if kind == "presale":
        return Promise.parse("presale:" + str(form.get("presale_date") or ""))
    return Promise(kind)


def _sku(row: SkuRow, index: int) -> catalog.EditedSku:
    if not row.name:
        raise InvalidInput(f"SKU {index}: a name is required", msgid="merchant.product.sku_name", n=index)
    price = yuan_field(row.price, f"SKU {index} price", n=index)
    stock = whole_number(row.stock, f"SKU {index} stock", 0, low=0, high=MAX_STOCK)
    return catalog.EditedSku(row.sku_id, row.name, price, stock)


def _edit_from(form: FormFields, rows: list[SkuRow], app: App) -> catalog.ProductEdit:
    if not rows:
        raise InvalidInput("a product needs at least one SKU", msgid="merchant.product.no_sku")
    category_id = whole_number(form.get("category_id"), "category", 0, low=0)
    if not category_id:
        raise InvalidInput("choose a category", msgid="merchant.product.category_required")
    return catalog.ProductEdit(
        category_id=category_id,
        title=form_text(form, "title", Title, "title"),
        promise=_promise_from(form, app),
        skus=[_sku(row, i) for i, row in enumerate(rows, 1)],
        description=form_text(form, "description", Description, "description"),
        perishable=form.get("perishable") == "on",
        custom_made=form.get("custom_made") == "on",
        booked_delivery=form.get("booked_delivery") == "on",
    )


def _typed(form: FormFields) -> dict:
    """What the merchant typed, to show again after a refusal."""
    keys = ("title", "description", "category_id", "promise_kind", "promise_hours", "presale_date")
    typed: dict[str, object] = {k: str(form.get(k) or "") for k in keys}
    for flag in ("perishable", "custom_made", "booked_delivery"):
        typed[flag] = form.get(flag) == "on"
    typed["insurance"] = str(form.get("insurance") or "")
    return typed


def _editor(
    request: Request,
    shop_id: int,
    product: dict | None,
    values: dict,
    rows: Sequence[SkuRow],
    *,
    error: InvalidInput | None = None,
    saved: bool = False,
    items: list[blind_box_editor.ItemRow] | None = None,
):
    app = pledge(request)
    now = app.clock.now()
    with app.uow.read() as conn:
        tree = queries.category_tree(conn)
        photos = [] if product is None else images.image_uploads(conn, product["id"])
        insured = None if product is None else _insured(conn, product["id"], app)
        series = None if product is None else blind_box_queries.series_of(conn, product["id"])
    return render(
        request,
        "merchant_product_edit.html",
        status=422 if error else 200,
        shop_id=shop_id,
        product=product,
        values=values,
        rows=[*rows, SkuRow(None, "", "", "")],
        categories=tree,
        promises=promise_choices(app),
        insurance_tiers=[c.get("tier") for c in app.rulebook.in_force("shipping_insurance", now)],
        insured=values.get("insurance", insured) if error else insured,
        photos=[images.image_url(product["id"], i) for i in range(1, len(photos) + 1)] if product else [],
        error=error,
        detail=form_error(request, error.status, error.detail) if error else None,
        rule=_rule_of(error, app, language(request)),
        saved=saved,
        box_types=blind_box_editor.box_types(app.rulebook, now),
        box_items=blind_box_editor.shown_rows(items or []),
        blind_box=blind_box_disclosure(series, app.rulebook, now),
    )


def _rule_of(error: InvalidInput | None, app: App, lang: str) -> str | None:
    """The words of the clause a refusal cites (a banned blind-box type, the disclosure rule), in
    the page's language, so the merchant reads the rule itself and not only its number."""
    clause_id = error.extra.get("clause") if error else None
    if not isinstance(clause_id, str):
        return None
    try:
        clause = app.rulebook.clause(clause_id)
    except NotFound:
        return None
    return clause.text if lang == "zh_CN" else clause.text_en
