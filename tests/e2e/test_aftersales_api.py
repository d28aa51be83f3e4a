"""After-sales over HTTP: evidence uploads, every case endpoint's happy path, tenancy (another
shop's merchant can neither see nor act on a case or its photos), and bad input (a claim outside
its window, more units than bought, someone else's order, an oversized or non-image upload),
each a clear problem+json that changes nothing (the whole database is snapshotted). Then the two
CLI quotes with their exact JSON. Runs on SQLite and PostgreSQL.

The orders are paid on the test clock (2026-09), after the 坏了包退 guarantee's withdrawal
(douyin:aJn4bujNmDDo): a damage claim on the florist's sunflowers is paid by her own pledge,
"损坏一支也给售后赔付" (every damaged unit pro rata), reviewed within the general 48 h."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from importlib import resources

import pytest
from PIL import Image
from sqlalchemy import select

from pledge.accounts.services import issue_api_token
from pledge.aftersales.tables import subsidy_funds
from pledge.demo.aftersales import photo
from pledge.fulfilment.services import apply_tracking_events, ship_order
from pledge.orders.services import LineRequest, place_order
from pledge.orders.tables import order_lines
from pledge.payments.adapters import CallbackPayload
from pledge.payments.services import handle_callback
from pledge.uploads.services import MAX_BYTES
from pledge.uploads.store import LocalFileStore
from pledge.web.i18n import catalog
from pledge.worker import run_once
from tests.e2e.conftest import assert_problem, bearer, email_of, page_login, snapshot
from tests.e2e.test_cli import assert_readable_failure, run

PNG = photo(1, 24, 16)
SUNFLOWERS = 1990  # fen per bunch of 12 stems, perishable
UMBRELLA = 3990  # fen, not perishable: 7-day no-reason returns apply


# ---------------------------------------------------------------- set-up


def delivered_order(
    app, buyer, owner, sku: int, quantity: int = 1, *, hours_ago: float = 4
) -> tuple[int, int]:
    """An order paid 40 h before delivery, handed to SF 4 h after payment and signed for
    `hours_ago` hours before the clock's now; returns (order id, its one line id)."""
    delivered = app.clock.now() - timedelta(hours=hours_ago)
    paid_at = delivered - timedelta(hours=40)
    with app.uow.begin() as c:
        placed = place_order(
            c,
            buyer,
            [LineRequest(sku, quantity)],
            at=paid_at - timedelta(minutes=1),
            pay_window=app.pay_window,
            guards=app.sale_guards,
        )
    with app.uow.begin() as c:
        handle_callback(
            c,
            CallbackPayload(placed.payment_ref, placed.total_fen, "captured"),
            book=app.rulebook,
            at=paid_at,
        )
    order_id = placed.order_ids[0]
    with app.uow.begin() as c:
        ship_order(
            c,
            owner,
            order_id=order_id,
            carrier="sf",
            tracking_no=f"SF{9000000000 + order_id}",
            at=paid_at + timedelta(hours=4),
        )
        apply_tracking_events(c, now=delivered)
        line_id = c.execute(select(order_lines.c.id).where(order_lines.c.order_id == order_id)).scalar_one()
    return order_id, line_id


@pytest.fixture
def private_files(app, tmp_path):
    """Evidence photos of this test go to its own directory, not var/uploads."""
    app.files = LocalFileStore(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def t(app, world, client, private_files):
    """A florist (perishable sunflowers, non-perishable umbrellas), a buyer, a rival fruit shop,
    another buyer and an operator, each with an API token."""
    shop_id, owner = world.shop("小阿阮鲜花")
    flowers = world.product(owner, shop_id, promise="48h", price_fen=SUNFLOWERS, stock=100, perishable=True)
    umbrellas = world.product(
        owner, shop_id, promise="48h", price_fen=UMBRELLA, stock=100, title="镭射变色晴雨伞"
    )
    rival_shop, rival = world.shop("大乐水果")
    buyer, other = world.user("小林"), world.user("陈晨")
    operator = world.user("平台运营", platform_role="operator")
    with app.uow.begin() as c:  # tokens issued directly: logging in is covered by the API tests
        token = {
            name: issue_api_token(c, user_id=actor.user_id, at=app.clock.now())
            for name, actor in (
                ("owner", owner),
                ("rival", rival),
                ("buyer", buyer),
                ("other", other),
                ("operator", operator),
            )
        }
    return {
        "app": app,
        "c": client,
        "shop_id": shop_id,
        "owner": owner,
        "flowers": flowers,
        "umbrellas": umbrellas,
        "rival_shop": rival_shop,
        "rival": rival,
        "buyer": buyer,
        "other": other,
        "operator": operator,
        "h": {k: bearer(v) for k, v in token.items()},
    }


def same_picture(stored: bytes, sent: bytes) -> bool:
    """Uploads are re-encoded (docs/security.md, "Uploads"): the same pixels, not the same bytes."""

    def pixels(data: bytes) -> tuple:
        image = Image.open(io.BytesIO(data))
        return image.format, image.size, image.convert("RGB").tobytes()

    return pixels(stored) == pixels(sent)


def upload(
    t, who: str = "buyer", data: bytes = PNG, name: str = "crushed.png", content_type: str = "image/png"
):
    return t["c"].post("/api/v1/uploads", files={"file": (name, data, content_type)}, headers=t["h"][who])


def file_case(t, order_id: int, body: dict, who: str = "buyer"):
    return t["c"].post(f"/api/v1/orders/{order_id}/cases", json=body, headers=t["h"][who])


FLORIST_PLEDGE = {"per_unit_damage": True, "statement": "损坏一支也给售后赔付"}


def florist_pledge(t, **extra) -> None:
    resp = t["c"].put(
        f"/api/v1/shops/{t['shop_id']}/pledge", json=dict(FLORIST_PLEDGE, **extra), headers=t["h"]["owner"]
    )
    assert resp.status_code == 200, resp.text


def damage_claim(t, units: int = 2, bought: int = 6) -> tuple[int, dict, int]:
    florist_pledge(t)
    order_id, line = delivered_order(t["app"], t["buyer"], t["owner"], t["flowers"], bought)
    upload_id = upload(t).json()["upload_id"]
    resp = file_case(
        t,
        order_id,
        {
            "case_type": "damage_claim",
            "reason": "damaged",
            "lines": [{"order_line_id": line, "units": units}],
            "upload_ids": [upload_id],
            "note": "快递压坏了",
        },
    )
    assert resp.status_code == 201, resp.text
    return order_id, resp.json(), upload_id


def post(t, case_id: int, action: str, who: str, body: dict | None = None):
    return t["c"].post(f"/api/v1/cases/{case_id}/{action}", json=body, headers=t["h"][who])


def refused(t, resp, status, says: str = "") -> dict:
    body = assert_problem(resp, status)
    assert says in body["detail"], body["detail"]
    return body


# ---------------------------------------------------------------- uploads


def test_upload_a_photo_and_who_may_see_it(t, private_files):
    resp = upload(t)
    assert resp.status_code == 201, resp.text
    upload_id = resp.json()["upload_id"]
    assert resp.json()["size"] == len(PNG)
    mine = t["c"].get(f"/api/v1/uploads/{upload_id}", headers=t["h"]["buyer"])
    assert mine.status_code == 200 and same_picture(mine.content, PNG)
    assert mine.headers["content-type"] == "image/png" and mine.headers["x-content-type-options"] == "nosniff"
    # Not yet evidence of any case: only its uploader and platform staff see it.
    for who in ("other", "owner", "rival"):
        refused(
            t, t["c"].get(f"/api/v1/uploads/{upload_id}", headers=t["h"][who]), 404, f"no upload {upload_id}"
        )
    assert t["c"].get(f"/api/v1/uploads/{upload_id}", headers=t["h"]["operator"]).status_code == 200
    refused(t, t["c"].get(f"/api/v1/uploads/{upload_id}"), 401)
    refused(t, t["c"].get("/api/v1/uploads/999999", headers=t["h"]["buyer"]), 404)
    assert [p.name for p in private_files.rglob("*.png")]


BAD_UPLOADS = {
    "just over 5 MB": (
        b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES,
        "big.png",
        "image/png",
        413,
        "at most 5 MB",
    ),
    "6 MB": (
        b"\x89PNG\r\n\x1a\n" + b"\x00" * (6 * 1024 * 1024),
        "huge.png",
        "image/png",
        413,
        "at most 5 MB",
    ),
    "text named .png": (
        b"just some text, not a photo",
        "rotten.png",
        "image/png",
        422,
        "only photos are accepted",
    ),
    "pdf": (b"%PDF-1.7 fake", "receipt.pdf", "application/pdf", 422, "only photos are accepted"),
    "empty": (b"", "empty.png", "image/png", 422, "the file is empty"),
}


def test_oversized_or_non_image_uploads_are_refused_and_change_nothing(app, t, private_files):
    before = snapshot(app)
    for label, (data, name, content_type, status, says) in BAD_UPLOADS.items():
        body = refused(t, upload(t, data=data, name=name, content_type=content_type), status, says)
        if status == 413:
            assert body["code"] == "payload_too_large" and body["max_bytes"] == MAX_BYTES, label
        assert snapshot(app) == before, label
    assert not list(private_files.rglob("*.*"))


def test_upload_without_a_file_field_is_a_422(app, t):
    before = snapshot(app)
    refused(t, t["c"].post("/api/v1/uploads", json={"file": "x"}, headers=t["h"]["buyer"]), 422, "multipart")
    refused(
        t,
        t["c"].post("/api/v1/uploads", files={"photo": ("a.png", PNG, "image/png")}, headers=t["h"]["buyer"]),
        422,
        "field `file`",
    )
    assert snapshot(app) == before


# ---------------------------------------------------------------- the damage claim of a silent shop


def test_damage_claim_is_approved_when_the_shop_stays_silent_and_refunded_with_its_clause(app, clock, t):
    order_id, case, upload_id = damage_claim(t, units=2, bought=6)
    # 2 of 6 bunches: the florist's pledge pays them pro rata, 2/6 of the 6 x 19.90 paid.
    assert case["status"] == "requested" and case["case_type"] == "damage_claim"
    assert (
        case["refund_fen"] == 3980
        and case["clause_id"] == "damage.shop-pledge"
        and case["basis"] == "shop_pledge"
    )
    assert case["clause_source"] == "douyin:aJn4bujNmDDo"
    assert "2 of 6 units damaged" in case["explanation"] and "39.80" in case["explanation"]
    assert case["due_kind"] == "auto_approve" and case["due_clause"] == "review.default-48h"
    assert case["evidence"] == [upload_id] and case["evidence_urls"] == [f"/api/v1/uploads/{upload_id}"]
    assert [(line["id"], line["units"]) for line in case["lines"]] == [(case["lines"][0]["id"], 2)]
    case_id = case["id"]

    mine = t["c"].get("/api/v1/cases", headers=t["h"]["buyer"]).json()
    assert [c["id"] for c in mine] == [case_id]
    assert t["c"].get("/api/v1/cases", headers=t["h"]["other"]).json() == []
    queue = t["c"].get(f"/api/v1/shops/{t['shop_id']}/cases", headers=t["h"]["owner"]).json()
    assert [(c["id"], c["status"]) for c in queue] == [(case_id, "requested")]
    # The shop sees the evidence of a case filed with it; the buyer's photo is served to it.
    assert same_picture(t["c"].get(f"/api/v1/uploads/{upload_id}", headers=t["h"]["owner"]).content, PNG)
    assert t["c"].get(f"/api/v1/cases/{case_id}", headers=t["h"]["owner"]).json()["id"] == case_id
    assert t["c"].get(f"/api/v1/cases/{case_id}", headers=t["h"]["operator"]).json()["id"] == case_id

    # Tenancy: the rival shop's merchant and another buyer learn nothing and change nothing.
    before = snapshot(app)
    for who in ("rival", "other"):
        refused(
            t,
            t["c"].get(f"/api/v1/cases/{case_id}", headers=t["h"][who]),
            404,
            f"no after-sales case {case_id}",
        )
        refused(t, t["c"].get(f"/api/v1/uploads/{upload_id}", headers=t["h"][who]), 404)
        refused(t, post(t, case_id, "review", who, {"approve": True}), 404)
        refused(t, post(t, case_id, "cancel", who), 404)
        refused(t, post(t, case_id, "escalate", who, {"note": "x"}), 404)
    body = refused(t, t["c"].get(f"/api/v1/shops/{t['shop_id']}/cases", headers=t["h"]["rival"]), 403)
    assert "小阿阮鲜花" not in body["detail"]
    refused(
        t, post(t, case_id, "review", "buyer", {"approve": True}), 404
    )  # the buyer cannot approve their own
    assert snapshot(app) == before

    # The shop stays silent: 48 h after the claim the worker approves it and pays it, once.
    clock.advance(timedelta(hours=48) - timedelta(seconds=1))
    assert run_once(app)["case_deadlines"] == {}
    clock.advance(timedelta(seconds=1))
    report = run_once(app)
    assert report["case_deadlines"] == {"auto_approve": 1} and report["refunds_completed"] == 1
    again = run_once(app)
    assert again["case_deadlines"] == {} and again["refunds_completed"] == 0
    done = t["c"].get(f"/api/v1/cases/{case_id}", headers=t["h"]["buyer"]).json()
    assert done["status"] == "refunded" and done["due_at"] is None
    assert done["refund"]["amount_fen"] == 3980 and done["refund"]["status"] == "succeeded"
    assert [(e["kind"], e["actor"]) for e in done["events"]] == [
        ("requested", "buyer"),
        ("approved", "system"),
        ("refunded", "system"),
    ]
    assert "review.default-48h" in done["events"][1]["detail"]["why"]
    order = t["c"].get(f"/api/v1/orders/{order_id}", headers=t["h"]["buyer"]).json()
    assert order["events"][-1]["kind"] == "refunded" and order["events"][-1]["detail"]["amount_fen"] == 3980
    assert t["c"].get(f"/api/v1/shops/{t['shop_id']}/cases", headers=t["h"]["owner"]).json() == []
    every = t["c"].get(
        f"/api/v1/shops/{t['shop_id']}/cases", params={"open_only": False}, headers=t["h"]["owner"]
    )
    assert [c["status"] for c in every.json()] == ["refunded"]


# ---------------------------------------------------------------- review, escalation, platform decision


def test_rejection_escalation_and_a_platform_decision_paid_by_a_subsidy_fund(app, t):
    _order_id, case, _ = damage_claim(t, units=4, bought=6)
    case_id = case["id"]
    assert case["refund_fen"] == 4 * SUNFLOWERS and case["clause_id"] == "damage.shop-pledge"

    before = snapshot(app)
    refused(t, post(t, case_id, "review", "owner", {"approve": False, "note": "  "}), 422, "needs a reason")
    assert snapshot(app) == before
    rejected = post(t, case_id, "review", "owner", {"approve": False, "note": "花头完好，只是缺水"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["due_kind"] == "close_unescalated"
    refused(t, post(t, case_id, "review", "owner", {"approve": True}), 409, "only a requested case")

    escalated = post(t, case_id, "escalate", "buyer", {"note": "照片里花头都断了"})
    assert escalated.status_code == 200 and escalated.json()["status"] == "escalated"
    disputes = t["c"].get("/api/v1/disputes", headers=t["h"]["operator"]).json()
    assert [d["id"] for d in disputes] == [case_id]
    refused(t, t["c"].get("/api/v1/disputes", headers=t["h"]["owner"]), 403, "platform role")

    before = snapshot(app)
    refused(t, post(t, case_id, "decision", "owner", {"approve": True, "note": "自己批准"}), 403)
    refused(
        t,
        post(t, case_id, "decision", "operator", {"approve": True, "note": "补贴", "fund_code": "nope"}),
        404,
        "no subsidy fund 'nope'",
    )
    refused(
        t, post(t, case_id, "decision", "operator", {"approve": True, "note": " "}), 422, "written reason"
    )
    assert snapshot(app) == before

    with app.uow.begin() as c:
        c.execute(
            subsidy_funds.insert().values(
                code="fresh-guarantee", name="平台生鲜保障基金", budget_fen=500000, spent_fen=0
            )
        )
    decided = post(
        t,
        case_id,
        "decision",
        "operator",
        {"approve": True, "note": "照片显示花头折断，平台基金先行赔付", "fund_code": "fresh-guarantee"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved" and decided.json()["payer"] == "fund:fresh-guarantee"
    assert run_once(app)["refunds_completed"] == 1
    done = t["c"].get(f"/api/v1/cases/{case_id}", headers=t["h"]["buyer"]).json()
    assert done["status"] == "refunded" and done["refund"]["payer"] == "fund:fresh-guarantee"
    with app.uow.read() as c:
        assert c.execute(select(subsidy_funds.c.spent_fen)).scalar_one() == 4 * SUNFLOWERS
    assert t["c"].get("/api/v1/disputes", headers=t["h"]["operator"]).json() == []


def test_operator_closes_a_dispute_without_refund(app, t):
    _order_id, case, _ = damage_claim(t)
    post(t, case["id"], "escalate", "buyer", {"note": "商家不回复"})
    closed = post(t, case["id"], "decision", "operator", {"approve": False, "note": "照片无法看出损坏"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert run_once(app)["refunds_completed"] == 0


# ---------------------------------------------------------------- returns and exchanges


def test_return_and_refund_then_an_exchange(app, t):
    order_id, line = delivered_order(app, t["buyer"], t["owner"], t["umbrellas"], 2)
    resp = file_case(
        t,
        order_id,
        {"case_type": "return_refund", "reason": "no_reason", "lines": [{"order_line_id": line, "units": 1}]},
    )
    assert resp.status_code == 201, resp.text
    case = resp.json()
    assert case["refund_fen"] == UMBRELLA and case["clause_id"] == "return.no-reason-7d"
    approved = post(t, case["id"], "review", "owner", {"approve": True})
    assert approved.json()["status"] == "awaiting_return" and approved.json()["due_kind"] == "close_no_return"

    before = snapshot(app)
    refused(
        t,
        post(t, case["id"], "return-shipment", "buyer", {"carrier": "sf", "tracking_no": "12"}),
        422,
        "tracking",
    )
    refused(t, post(t, case["id"], "return-received", "owner"), 409, "no return is on its way")
    assert snapshot(app) == before
    shipped = post(
        t, case["id"], "return-shipment", "buyer", {"carrier": "sf", "tracking_no": "SF1300000001"}
    )
    assert (
        shipped.json()["status"] == "return_shipped" and shipped.json()["return_tracking"] == "SF1300000001"
    )
    refused(t, post(t, case["id"], "return-received", "buyer"), 404)
    refused(t, post(t, case["id"], "return-received", "rival"), 404)
    received = post(t, case["id"], "return-received", "owner")
    assert received.json()["status"] == "return_received"
    assert run_once(app)["refunds_completed"] == 1
    assert t["c"].get(f"/api/v1/cases/{case['id']}", headers=t["h"]["buyer"]).json()["status"] == "refunded"

    # The other umbrella came in the wrong colour: an exchange refunds nothing.
    resp = file_case(
        t,
        order_id,
        {"case_type": "exchange", "reason": "wrong_item", "lines": [{"order_line_id": line, "units": 1}]},
    )
    assert resp.status_code == 201, resp.text
    exchange = resp.json()
    assert exchange["refund_fen"] == 0
    post(t, exchange["id"], "review", "owner", {"approve": True})
    post(t, exchange["id"], "return-shipment", "buyer", {"carrier": "yto", "tracking_no": "YT88776655"})
    done = post(t, exchange["id"], "return-received", "owner").json()
    assert done["status"] == "exchanged" and [e["kind"] for e in done["events"]][-2:] == [
        "return_received",
        "exchanged",
    ]
    # Both units are now claimed: a third case has nothing left to claim.
    before = snapshot(app)
    refused(
        t,
        file_case(
            t,
            order_id,
            {"case_type": "refund_only", "reason": "quality", "lines": [{"order_line_id": line, "units": 1}]},
        ),
        422,
        "between 1 and 0",
    )
    assert snapshot(app) == before


def test_the_buyer_withdraws_a_case_once(app, t):
    order_id, line = delivered_order(app, t["buyer"], t["owner"], t["umbrellas"], 1)
    case = file_case(
        t,
        order_id,
        {"case_type": "refund_only", "reason": "quality", "lines": [{"order_line_id": line, "units": 1}]},
    ).json()
    refused(t, post(t, case["id"], "cancel", "owner"), 404)
    cancelled = post(t, case["id"], "cancel", "buyer")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    before = snapshot(app)
    refused(t, post(t, case["id"], "cancel", "buyer"), 409, "can no longer be withdrawn")
    refused(t, post(t, case["id"], "escalate", "buyer", {}), 409)
    assert snapshot(app) == before


def test_instant_refund_before_shipment(app, world, t):
    order_id = world.paid_order(t["buyer"], t["umbrellas"])
    resp = file_case(t, order_id, {"case_type": "instant_refund", "reason": "other"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "approved" and resp.json()["clause_id"] == "refund.instant"
    run_once(app)
    assert t["c"].get(f"/api/v1/orders/{order_id}", headers=t["h"]["buyer"]).json()["status"] == "cancelled"


# ---------------------------------------------------------------- bad input changes nothing

BAD_CASES = {
    "claim outside its 48 h window": (
        dict(hours_ago=48.5),
        {"case_type": "damage_claim", "reason": "damaged", "units": 1, "photo": True},
        422,
        "close 48 h after sign-off",
    ),
    "more units than bought": (
        {},
        {"case_type": "damage_claim", "reason": "damaged", "units": 3, "photo": True},
        422,
        "choose between 1 and 2 units (bought 2)",
    ),
    "zero units": (
        {},
        {"case_type": "refund_only", "reason": "quality", "units": 0},
        422,
        "choose between 1 and 2",
    ),
    "no lines": (
        {},
        {"case_type": "refund_only", "reason": "quality", "lines": []},
        422,
        "at least one line",
    ),
    "a line of another order": (
        {},
        {"case_type": "refund_only", "reason": "quality", "line": 987654, "units": 1},
        422,
        "line 987654 is not part of order",
    ),
    "unknown case type": (
        {},
        {"case_type": "refund_all", "reason": "quality", "units": 1},
        422,
        "unknown case type",
    ),
    "reason of another case type": (
        {},
        {"case_type": "damage_claim", "reason": "no_reason", "units": 1},
        422,
        "reason for a damage_claim is one of",
    ),
    "a reason that does not fit the goods": (
        {},
        {"case_type": "damage_claim", "reason": "thawed_dead", "units": 1, "photo": True},
        422,
        "thawed_dead does not fit",
    ),
    "perishable 7-day return": (
        {},
        {"case_type": "return_refund", "reason": "no_reason", "units": 1},
        422,
        "perishable goods are excluded",
    ),
    "damage claim without a photo": (
        {},
        {"case_type": "damage_claim", "reason": "damaged", "units": 1},
        422,
        "needs at least one photo",
    ),
    "someone else's photo": (
        {},
        {"case_type": "damage_claim", "reason": "damaged", "units": 1, "photo": "other"},
        404,
        "you have no upload",
    ),
    "instant refund after shipment": (
        {},
        {"case_type": "instant_refund", "reason": "other"},
        422,
        "before shipment",
    ),
}


def test_bad_case_requests_are_refused_and_change_nothing(app, t):
    florist_pledge(t)
    requests = []
    for label, (order_kw, spec, status, says) in BAD_CASES.items():
        order_id, line = delivered_order(app, t["buyer"], t["owner"], t["flowers"], 2, **order_kw)
        body = {"case_type": spec["case_type"], "reason": spec["reason"]}
        if "lines" in spec:
            body["lines"] = spec["lines"]
        elif "units" in spec:
            body["lines"] = [{"order_line_id": spec.get("line", line), "units": spec["units"]}]
        if spec.get("photo"):
            body["upload_ids"] = [
                upload(t, "other" if spec["photo"] == "other" else "buyer").json()["upload_id"]
            ]
        requests.append((label, order_id, body, status, says))
    before = snapshot(app)
    for label, order_id, body, status, says in requests:
        resp = file_case(t, order_id, body)
        assert resp.status_code == status, (label, resp.text)
        refused(t, resp, status, says)
        assert snapshot(app) == before, label


def test_a_case_on_someone_elses_order_is_not_found(app, t):
    order_id, line = delivered_order(app, t["other"], t["owner"], t["flowers"], 2)
    before = snapshot(app)
    for who in ("buyer", "owner", "rival", "operator"):  # only the order's buyer files a case on it
        refused(
            t,
            file_case(
                t,
                order_id,
                {
                    "case_type": "refund_only",
                    "reason": "quality",
                    "lines": [{"order_line_id": line, "units": 1}],
                },
                who,
            ),
            404,
            f"no order {order_id}",
        )
    refused(t, file_case(t, 999999, {"case_type": "refund_only", "reason": "quality"}), 404)
    assert snapshot(app) == before


def test_malformed_case_bodies_are_refused(app, t):
    order_id, _line = delivered_order(app, t["buyer"], t["owner"], t["flowers"], 1)
    before = snapshot(app)
    for payload in (
        {"reason": "quality"},  # no case_type
        {"case_type": "refund_only", "reason": "quality", "lines": [{"order_line_id": "x", "units": 1}]},
        {"case_type": "refund_only", "reason": "quality", "upload_ids": list(range(1, 11))},  # over 9 photos
        {"case_type": "refund_only", "reason": "quality", "note": "长" * 2001},
    ):
        refused(t, file_case(t, order_id, payload), 422)
    refused(
        t,
        t["c"].post(
            f"/api/v1/orders/{order_id}/cases",
            content=b"{not json",
            headers={**t["h"]["buyer"], "Content-Type": "application/json"},
        ),
        400,
        "not valid JSON",
    )
    refused(
        t,
        t["c"].post(
            f"/api/v1/orders/{order_id}/cases", json={"case_type": "refund_only", "reason": "quality"}
        ),
        401,
    )
    assert snapshot(app) == before


# ---------------------------------------------------------------- shop pledges


def test_shop_pledge_is_set_by_its_merchant_and_public(app, t):
    shop = t["shop_id"]
    blank = t["c"].get(f"/api/v1/shops/{shop}/pledge")
    assert (
        blank.status_code == 200
        and blank.json()["statement"] == ""
        and blank.json()["per_unit_damage"] is False
    )
    body = {
        "per_unit_damage": True,
        "no_evidence_for_declared": True,
        "damage_window_extra_hours": 24,
        "return_window_extra_hours": 0,
        "statement": "损坏一支也给售后赔付",
    }
    put = t["c"].put(f"/api/v1/shops/{shop}/pledge", json=body, headers=t["h"]["owner"])
    assert put.status_code == 200, put.text
    public = t["c"].get(f"/api/v1/shops/{shop}/pledge").json()
    assert public["statement"] == "损坏一支也给售后赔付" and public["damage_window_extra_hours"] == 24
    page = t["c"].get(f"/products/{_product_of(app, t['flowers'])}")
    assert "损坏一支也给售后赔付" in page.text

    before = snapshot(app)
    refused(
        t,
        t["c"].put(f"/api/v1/shops/{shop}/pledge", json=body, headers=t["h"]["rival"]),
        403,
        f"not a member of shop {shop}",
    )
    refused(t, t["c"].put(f"/api/v1/shops/{shop}/pledge", json=body, headers=t["h"]["operator"]), 403)
    refused(
        t,
        t["c"].put(
            f"/api/v1/shops/{shop}/pledge",
            json=dict(body, damage_window_extra_hours=-1),
            headers=t["h"]["owner"],
        ),
        422,
        "greater than or equal to 0",
    )
    refused(t, t["c"].put(f"/api/v1/shops/{shop}/pledge", json=body), 401)
    refused(t, t["c"].get("/api/v1/shops/999999/pledge"), 404, "no shop 999999")
    assert snapshot(app) == before


def test_no_photo_pledge_for_a_buyer_who_cannot_upload_and_a_longer_window(app, t):
    florist_pledge(t, no_evidence_for_declared=True, damage_window_extra_hours=24)
    order_id, line = delivered_order(
        app, t["buyer"], t["owner"], t["flowers"], 3, hours_ago=60
    )  # past 48 h, within 72 h
    resp = file_case(
        t,
        order_id,
        {
            "case_type": "damage_claim",
            "reason": "damaged",
            "cannot_upload": True,
            "lines": [{"order_line_id": line, "units": 1}],
        },
    )
    assert resp.status_code == 201, resp.text
    case = resp.json()
    assert case["evidence"] == [] and case["evidence_waived"] == "shop pledge: buyer cannot upload photos"
    assert case["refund_fen"] == 1990  # 1 of 3 units, pro rata: 1/3 of 59.70
    assert "+ 24 h shop pledge" in case["inputs"]["window"]


def _product_of(app, sku: int) -> int:
    from pledge.catalog.tables import skus

    with app.uow.read() as c:
        return c.execute(select(skus.c.product_id).where(skus.c.id == sku)).scalar_one()


# ---------------------------------------------------------------- the pages' form (multipart, CSRF)


def test_buyer_files_a_case_through_the_page_form_with_a_photo(app, t):
    from fastapi.testclient import TestClient

    florist_pledge(t)
    order_id, line = delivered_order(app, t["buyer"], t["owner"], t["flowers"], 6)
    pages = TestClient(t["c"].app)
    csrf = page_login(pages, email_of(app, t["buyer"].user_id), f"/orders/{order_id}/cases/new")
    form = pages.get(f"/orders/{order_id}/cases/new").text
    assert f'name="units_{line}"' in form and 'type="file" name="photos"' in form and "损坏赔付" in form
    assert "北京时间" in form and "Asia/Shanghai" not in form
    # the sunflowers fit breakage only: no thawed, rotten or insect-damaged flowers
    reasons = re.search(r'data-testid="damage-reasons">(.*?)</optgroup>', form, re.S).group(1)
    assert re.findall(r'value="([a-z_]+)"', reasons) == ["damaged"]

    before = snapshot(app)
    big = pages.post(
        f"/orders/{order_id}/cases",
        data={"csrf_token": csrf, "case_type": "damage_claim", "reason": "damaged", f"units_{line}": "2"},
        files=[("photos", ("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES, "image/png"))],
    )
    assert big.status_code == 413 and "5 MB" in big.text and 'data-testid="case-form"' in big.text
    wrong = pages.post(
        f"/orders/{order_id}/cases",
        data={"csrf_token": "forged", "case_type": "damage_claim", "reason": "damaged", f"units_{line}": "2"},
    )
    assert wrong.status_code == 403
    assert snapshot(app) == before

    made = pages.post(
        f"/orders/{order_id}/cases",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "case_type": "damage_claim",
            "reason": "damaged",
            f"units_{line}": "2",
            "note": "花头折断",
        },
        files=[
            ("photos", ("crushed.png", PNG, "image/png")),
            ("photos", ("", b"", "application/octet-stream")),
        ],
    )
    assert made.status_code == 303, made.text
    case_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = pages.get(f"/cases/{case_id}").text
    assert "待商家处理" in page and "damage.shop-pledge" in page and "¥39.80" in page
    assert "由店铺自己的承诺赔付" in page and "北京时间" in page
    assert 'class="countdown"' in page and "/api/v1/uploads/" in page
    photo_url = re.search(r'src="(/api/v1/uploads/\d+)"', page).group(1)
    assert same_picture(pages.get(photo_url).content, PNG)  # the page's session cookie reads the photo
    order_page = pages.get(f"/orders/{order_id}").text
    assert f"/cases/{case_id}" in order_page and "2/6件受损" in order_page
    english = pages.get(f"/cases/{case_id}?lang=en").text
    assert "Awaiting the shop&#39;s review" in english and "2 of 6 units damaged" in english
    assert not re.search(r">\s*(case|case_type|reason|due|actor|case_event)\.[a-z_]+", english)


def test_merchant_and_operator_pages(app, t):
    from fastapi.testclient import TestClient

    _order_id, case, _ = damage_claim(t)
    owner = TestClient(t["c"].app)
    csrf = page_login(owner, email_of(app, t["owner"].user_id), f"/merchant/shops/{t['shop_id']}/cases")
    queue = owner.get(f"/merchant/shops/{t['shop_id']}/cases").text
    assert f'data-testid="case-row-{case["id"]}"' in queue and 'class="countdown"' in queue
    rejected = owner.post(
        f"/merchant/cases/{case['id']}/review",
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "decision": "reject",
            "note": "花头完好",
            "back": f"/merchant/shops/{t['shop_id']}/cases",
        },
    )
    assert (
        rejected.status_code == 303
        and rejected.headers["location"] == f"/merchant/shops/{t['shop_id']}/cases"
    )
    buyer = TestClient(t["c"].app)
    csrf_b = page_login(buyer, email_of(app, t["buyer"].user_id), f"/cases/{case['id']}")
    assert (
        buyer.post(
            f"/cases/{case['id']}/escalate",
            data={"csrf_token": csrf_b, "note": "请平台看看"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    operator = TestClient(t["c"].app)
    csrf_o = page_login(operator, email_of(app, t["operator"].user_id), "/operator/disputes")
    disputes = operator.get("/operator/disputes").text
    assert f'data-testid="dispute-{case["id"]}"' in disputes and 'data-testid="decision-form"' in disputes
    decided = operator.post(
        f"/operator/cases/{case['id']}/decision",
        follow_redirects=False,
        data={
            "csrf_token": csrf_o,
            "decision": "approve",
            "note": "照片清楚",
            "fund_code": "",
            "back": "/operator/disputes",
        },
    )
    assert decided.status_code == 303 and decided.headers["location"] == "/operator/disputes"
    assert t["c"].get(f"/api/v1/cases/{case['id']}", headers=t["h"]["buyer"]).json()["status"] == "approved"
    assert buyer.get("/cases").status_code == 200 and f"/cases/{case['id']}" in buyer.get("/cases").text
    assert owner.get("/operator/disputes").status_code == 403


# ---------------------------------------------------------------- CLI quotes (no database)


def quote(*args: str) -> dict:
    result = run("quote", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "args, expected",
    [
        # 23:30 on 1 Sept in Shanghai: the 7 days start at 00:00 on 2 Sept and end 168 h later.
        (
            ["--signed-at", "2026-09-01T23:30:00"],
            {
                "eligible": True,
                "deadline": "2026-09-09T00:00:00+08:00",
                "reason": "within the 7-day window until 2026-09-08T16:00:00+00:00 (return.no-reason-7d)",
            },
        ),
        # 16:30 UTC is already 00:30 on 2 Sept in Shanghai: the window starts a day later.
        (
            ["--signed-at", "2026-09-01T16:30:00+00:00"],
            {
                "eligible": True,
                "deadline": "2026-09-10T00:00:00+08:00",
                "reason": "within the 7-day window until 2026-09-09T16:00:00+00:00 (return.no-reason-7d)",
            },
        ),
        # The same instant read in UTC: the platform's midnight (Shanghai) still decides, not UTC's.
        (
            ["--signed-at", "2026-09-01T16:30:00", "--tz", "UTC"],
            {
                "eligible": True,
                "deadline": "2026-09-10T00:00:00+08:00",
                "reason": "within the 7-day window until 2026-09-09T16:00:00+00:00 (return.no-reason-7d)",
            },
        ),
        (
            ["--signed-at", "2026-09-01T23:30:00", "--now", "2026-09-09T00:00:00"],
            {
                "eligible": True,
                "deadline": "2026-09-09T00:00:00+08:00",
                "reason": "within the 7-day window until 2026-09-08T16:00:00+00:00 (return.no-reason-7d)",
            },
        ),
        (
            ["--signed-at", "2026-09-01T23:30:00", "--now", "2026-09-09T00:00:01"],
            {
                "eligible": False,
                "deadline": "2026-09-09T00:00:00+08:00",
                "reason": "the 7-day window closed at 2026-09-08T16:00:00+00:00 (return.no-reason-7d)",
            },
        ),
        (
            ["--signed-at", "2026-09-01T23:30:00", "--now", "2026-09-09T00:00:01", "--extra-hours", "72"],
            {
                "eligible": True,
                "deadline": "2026-09-12T00:00:00+08:00",
                "reason": "within the 7-day window until 2026-09-11T16:00:00+00:00 (return.no-reason-7d)",
            },
        ),
        (
            ["--signed-at", "2026-09-01T23:30:00", "--flags", "perishable"],
            {
                "eligible": False,
                "deadline": None,
                "reason": "perishable goods are excluded from 7-day no-reason returns (return.exclusions)",
            },
        ),
        (
            ["--signed-at", "2026-09-01T23:30:00", "--flags", "custom"],
            {
                "eligible": False,
                "deadline": None,
                "reason": "custom-made goods are excluded from 7-day no-reason returns (return.exclusions)",
            },
        ),
    ],
    ids=[
        "before midnight",
        "after local midnight",
        "given in UTC",
        "at the deadline",
        "a second late",
        "shop pledge +72h",
        "perishable",
        "custom",
    ],
)
def test_quote_return_window(args, expected):
    assert quote("return-window", "--rulebook", "douyin", *args) == expected


SERVED = (
    "--category",
    "水果蔬菜",
    "--at",
    "2026-05-01T10:00:00",
)  # a badged orange, paid while the guarantee ran


def guarantee(share_bp: int, clause: str, amount_fen: int) -> dict:
    return {
        "eligible": True,
        "amount_fen": amount_fen,
        "share_bp": share_bp,
        "clause": clause,
        "source": "douyin:aJn4bujNmDDo",
        "basis": "damage_service",
    }


@pytest.mark.parametrize(
    "paid, units, damaged, expected",
    [
        ("99.00", "12", "4", guarantee(5000, "damage.share.30-50", 4950)),
        ("99.00", "10", "3", guarantee(3000, "damage.share.le30", 2970)),
        ("99.00", "10", "5", guarantee(5000, "damage.share.30-50", 4950)),
        ("99.00", "10", "6", guarantee(10000, "damage.share.gt50", 9900)),
        ("19.99", "3", "1", guarantee(5000, "damage.share.30-50", 1000)),  # 9.995 half-up
    ],
    ids=["4 of 12", "30% exactly", "50% exactly", "60%", "half a fen rounds up"],
)
def test_quote_damage_refund(paid, units, damaged, expected):
    assert (
        quote(
            "damage-refund",
            "--rulebook",
            "douyin",
            "--paid",
            paid,
            "--units",
            units,
            "--damaged",
            damaged,
            *SERVED,
        )
        == expected
    )


@pytest.mark.parametrize(
    "args, says",
    [
        (
            ["--category", "雨伞"],
            "雨伞 goods are outside the categories the 坏了包退官方保障 guarantee covers",
        ),
        (
            ["--category", "水果蔬菜", "--at", "2026-07-06T00:00:00"],
            "withdrawn for orders paid from 2026-07-06",
        ),
        (["--category", "水果蔬菜"], "withdrawn for orders paid from 2026-07-06"),  # paid now
        (["--at", "2026-09-01T10:00:00"], "withdrawn for orders paid from 2026-07-06"),
        (["--category", "水果蔬菜", "--at", "2024-12-03T23:59:59"], "started on 2024-12-04"),
        (
            ["--category", "水果蔬菜", "--at", "2026-05-01T10:00:00", "--no-badge"],
            "did not carry the 坏了包退官方保障 badge",
        ),
        (
            ["--category", "雨伞", "--reason", "thawed_dead", "--per-unit-pledge"],
            "thawed_dead does not fit 雨伞 goods",
        ),
    ],
    ids=[
        "umbrella",
        "paid on the withdrawal day",
        "paid now",
        "no category, paid after",
        "before the start",
        "no badge",
        "thawed umbrella",
    ],
)
def test_douyin_aJn4bujNmDDo_damage_refund_quote_answers_not_eligible_where_no_clause_applies(args, says):
    found = quote(
        "damage-refund", "--rulebook", "douyin", "--paid", "99.00", "--units", "12", "--damaged", "4", *args
    )
    assert found["eligible"] is False and found["amount_fen"] == 0 and says in found["reason"]
    assert set(found) == {"eligible", "amount_fen", "reason"}


def test_douyin_aJn4bujNmDDo_an_order_paid_the_day_before_the_withdrawal_is_still_served():
    assert quote(
        "damage-refund",
        "--paid",
        "99.00",
        "--units",
        "12",
        "--damaged",
        "4",
        "--category",
        "水果蔬菜",
        "--at",
        "2026-07-05T23:59:59",
    ) == guarantee(5000, "damage.share.30-50", 4950)


@pytest.mark.parametrize(
    "args, amount, share_bp",
    [
        (["--per-unit-pledge"], 3300, 3333),  # the florist: 4/12 of 99.00
        (["--table-pledge"], 4950, 5000),  # the fruit seller keeps the former table
        (
            ["--category", "鲜切花", "--per-unit-pledge", "--at", "2026-05-01T10:00:00"],
            3300,
            3333,
        ),  # flowers: never covered
    ],
)
def test_quote_damage_refund_paid_by_a_shop_pledge(args, amount, share_bp):
    assert quote("damage-refund", "--paid", "99.00", "--units", "12", "--damaged", "4", *args) == {
        "eligible": True,
        "amount_fen": amount,
        "share_bp": share_bp,
        "clause": "damage.shop-pledge",
        "source": "douyin:aJn4bujNmDDo",
        "basis": "shop_pledge",
    }


def test_quote_damage_refund_in_words():
    result = run("quote", "damage-refund", "--paid", "99.00", "--units", "12", "--damaged", "4", *SERVED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "49.50 yuan — 4 of 12 units damaged → clause damage.share.30-50: 50% of 99.00 = 49.50 "
        "[douyin:aJn4bujNmDDo]"
    )
    refused = run(
        "quote", "damage-refund", "--paid", "99.00", "--units", "12", "--damaged", "4", "--category", "雨伞"
    )
    assert refused.returncode == 0 and refused.stdout.startswith(
        "not paid — 雨伞 goods are outside the categories"
    )


@pytest.mark.parametrize(
    "args, says",
    [
        (
            ["damage-refund", "--paid", "99.00", "--units", "12", "--damaged", "13"],
            "--damaged must be between 1 and --units (12)",
        ),
        (
            ["damage-refund", "--paid", "99.00", "--units", "12", "--damaged", "0"],
            "--damaged must be between 1 and --units",
        ),
        (
            ["damage-refund", "--paid", "99.00", "--units", "0", "--damaged", "0"],
            "--units must be at least 1",
        ),
        (["damage-refund", "--paid", "abc", "--units", "12", "--damaged", "4"], "not an amount in yuan"),
        (
            ["damage-refund", "--paid", "0", "--units", "12", "--damaged", "4"],
            "--paid must be a positive amount",
        ),
        (
            ["damage-refund", "--rulebook", "nope", "--paid", "1", "--units", "1", "--damaged", "1"],
            "no rulebook named 'nope'",
        ),
        (["return-window", "--signed-at", "yesterday"], "not an ISO-8601 time"),
        (
            ["return-window", "--signed-at", "2026-09-01T10:00:00", "--flags", "rotten"],
            "unknown product flag 'rotten'",
        ),
        (
            ["return-window", "--signed-at", "2026-09-01T10:00:00", "--tz", "Mars/Olympus"],
            "unknown timezone 'Mars/Olympus'",
        ),
        (
            ["return-window", "--signed-at", "2026-09-01T10:00:00", "--now", "soon"],
            "not an ISO-8601 time: 'soon'",
        ),
        (
            ["return-window", "--signed-at", "2026-09-01T10:00:00", "--extra-hours", "-5"],
            "never shorten them",
        ),
    ],
    ids=[
        "damaged > units",
        "damaged 0",
        "units 0",
        "paid abc",
        "paid 0",
        "unknown rulebook",
        "signed-at not a time",
        "unknown flag",
        "unknown timezone",
        "now not a time",
        "negative pledge hours",
    ],
)
def test_quote_bad_input_exits_2_with_a_readable_message(args, says):
    assert_readable_failure(run("quote", *args, "--json"), says)


def test_quote_return_window_help_explains_now():
    result = run("quote", "return-window", "--help")
    assert result.returncode == 0 and "--now" in result.stdout and "--signed-at" in result.stdout


# ---------------------------------------------------------------- translations

MY_TEMPLATES = (
    "case.html",
    "case_new.html",
    "cases.html",
    "merchant_cases.html",
    "operator_disputes.html",
    "_decision_form.html",
)
CODES = {
    "case_type.": ("refund_only", "return_refund", "exchange", "instant_refund", "damage_claim"),
    "case.": (
        "requested",
        "approved",
        "rejected",
        "escalated",
        "awaiting_return",
        "return_shipped",
        "return_received",
        "refunded",
        "exchanged",
        "closed",
        "cancelled",
    ),
    "reason.": (
        "damaged",
        "thawed_dead",
        "visible_rot",
        "internal_rot",
        "insect_damage",
        "no_reason",
        "quality",
        "wrong_item",
        "not_as_described",
        "other",
    ),
    "due.": ("auto_approve", "close_unescalated", "close_no_return", "auto_receive", "auto_refund_no_pickup"),
    "case_event.": (
        "requested",
        "approved",
        "rejected",
        "escalated",
        "return_shipped",
        "return_received",
        "exchanged",
        "refunded",
        "closed",
        "cancelled",
        "insurance_claimed",
        "insurance_refused",
        "insurance_paid",
    ),
    "insurance.": ("small", "upgraded", "large"),
    "actor.": ("buyer", "merchant", "operator", "system"),
    "refund.": ("pending", "succeeded"),
    "event.": ("refunded",),
}


def test_every_after_sales_string_is_translated():
    """zh-CN has every English msgid of the after-sales templates; both languages name every code."""
    from pledge.aftersales.model import DAMAGE_REASONS, RETURN_REASONS, CaseStatus, CaseType

    assert set(CODES["case."]) == {s.value for s in CaseStatus} and set(CODES["case_type."]) == {
        t.value for t in CaseType
    }
    assert set(CODES["reason."]) == set(DAMAGE_REASONS) | set(RETURN_REASONS)
    folder = resources.files("pledge.web") / "templates"
    msgids = set()
    for name in MY_TEMPLATES:
        text = (folder / name).read_text(encoding="utf-8")
        msgids |= {a or b for a, b in re.findall(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""", text)}
    assert "Request after-sales" in msgids and "Shop pledge" in msgids
    msgids |= {
        "After-sales",
        "After-sales queue",
        "Platform disputes",
        "Request after-sales",
        "Every damaged unit is paid for.",
        "Return postage covered (shipping insurance)",
        "Damaged goods refunded by the share of items affected (30% / 50% / 100%).",
        "No photo needed for buyers the shop marks or who cannot upload.",
        "7-day no-reason return",
        "Damage claims: {h} h longer than the platform's window.",
        "Returns: {h} h longer than 7 days.",
        "shop pledge: buyer marked by the shop",
        "shop pledge: buyer cannot upload photos",
    }  # shared templates
    msgids = {m for m in msgids if not m.endswith(".")}  # prefixes of codes, checked below
    codes = {prefix + c for prefix, names in CODES.items() for c in names}
    zh, en = catalog("zh_CN"), catalog("en")
    assert not sorted((msgids | codes) - zh.keys()), "missing in zh_CN.po"
    assert not sorted(codes - en.keys()), "missing in en.po"
