"""douyin:aHwH9wK4Je2N 二.2.(3) on SQLite and PostgreSQL: 对于商家上传物流单号后超过48小时仍无揽件信息的
订单，如消费者发起退款申请，将默认同意退款并从商家账户自动退款. A refund request on an order whose
tracking number was uploaded (the ship click) without a pickup scan is approved by the deadline
sweep once 48 h have passed since the upload (at once if they already have), and refunded exactly
once; a pickup scan in time leaves the case to the shop's review. The sandbox carrier "sf" scans
2 h after the hand-over only when its tracking events are applied, which these tests do not do
unless they say so."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.test_aftersales_cases import (  # noqa: F401 - the autouse fixtures apply here too
    case_events_of,
    case_row,
    complete,
    file,
    legs,
    private_upload_dir,
    refunds_of,
    scene,
    sweep,
)

SECOND = timedelta(seconds=1)


def unscanned(world, clock, **kw):
    """A paid order whose tracking number was uploaded now; no pickup scan follows."""
    s = scene(world, clock, deliver=False, price_fen=1990, qty=2, **kw)
    world.ship(s.owner, s.order_id)
    return s, clock.now()


def test_douyin_aHwH9wK4Je2N_refund_request_approved_48h_after_an_unscanned_tracking_upload(
    app, world, clock
):
    s, uploaded = unscanned(world, clock)
    clock.advance(timedelta(hours=10))
    case_id = file(app, s.buyer, s.order_id, "refund_only", "other", [(s.line_id, 2)], note="一直没有揽收")
    case = case_row(app, case_id)
    assert (case.status, case.due_kind, case.due_clause, case.due_at) == (
        "requested",
        "auto_refund_no_pickup",
        "refund.no-pickup-48h",
        uploaded + timedelta(hours=48),
    )
    clock.set(uploaded + timedelta(hours=48) - SECOND)
    assert sweep(app) == {}
    clock.set(uploaded + timedelta(hours=48))
    assert sweep(app) == {"auto_refund_no_pickup": 1}
    assert sweep(app) == {}
    assert complete(app) == 1 and complete(app) == 0
    assert refunds_of(app, case_id) == [(f"refund:{case_id}", 3980, "merchant", "succeeded")]
    assert legs(app, f"refund:{case_id}") == [(f"shop:{s.shop_id}:proceeds", "external:payments", 3980)]
    assert case_events_of(app, case_id) == [
        ("requested", "buyer"),
        ("approved", "system"),
        ("refunded", "system"),
    ]


def test_a_request_after_48h_without_pickup_is_approved_at_once(app, world, clock):
    s, uploaded = unscanned(world, clock)
    clock.set(uploaded + timedelta(hours=49))
    case_id = file(app, s.buyer, s.order_id, "refund_only", "other", [(s.line_id, 1)])
    case = case_row(app, case_id)
    assert (case.status, case.payer, case.decided_at, case.due_at) == (
        "approved",
        "merchant",
        clock.now(),
        None,
    )
    assert complete(app) == 1
    assert refunds_of(app, case_id) == [(f"refund:{case_id}", 1990, "merchant", "succeeded")]


def test_a_pickup_scan_before_the_48h_leaves_the_case_to_the_shop(app, world, clock):
    s, uploaded = unscanned(world, clock)
    clock.advance(timedelta(hours=1))
    case_id = file(app, s.buyer, s.order_id, "refund_only", "other", [(s.line_id, 1)])
    filed = clock.now()
    assert case_row(app, case_id).due_kind == "auto_refund_no_pickup"
    clock.set(uploaded + timedelta(hours=3))
    world.carrier_tick()  # the sf pickup scan at +2 h
    clock.set(uploaded + timedelta(hours=48))
    assert sweep(app) == {"picked_up": 1}
    case = case_row(app, case_id)
    assert (case.status, case.due_kind, case.due_clause, case.due_at) == (
        "requested",
        "auto_approve",
        "review.default-48h",
        filed + timedelta(hours=48),
    )
    assert refunds_of(app, case_id) == []


def test_the_rule_needs_an_uploaded_tracking_number(app, world, clock):
    """Not shipped: the ordinary review time; picked up at once (an untracked hand-over): too."""
    s = scene(world, clock, deliver=False, qty=1)
    case = case_row(app, file(app, s.buyer, s.order_id, "refund_only", "other", [(s.line_id, 1)]))
    assert (case.due_kind, case.due_clause) == ("auto_approve", "review.default-48h")
    picked = scene(world, clock, deliver=False, qty=1)
    world.ship(picked.owner, picked.order_id)
    world.carrier_tick()
    clock.advance(timedelta(hours=3))
    world.carrier_tick()
    later = case_row(
        app, file(app, picked.buyer, picked.order_id, "refund_only", "other", [(picked.line_id, 1)])
    )
    assert (later.due_kind, later.due_clause) == ("auto_approve", "review.default-48h")
