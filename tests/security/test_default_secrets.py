"""Issue 11 item 1: shipped default secrets. With the public `secret_key` (the root of the
carrier webhook secrets) or `payment_secret`, anyone can sign a payment callback that marks an
order paid, or carrier events. Outside demo mode `pledge serve` and `pledge worker` refuse to
start on a missing, shipped or short secret, naming the setting and how to make one; demo mode
makes random secrets per database; during a rotation the previous secret still verifies (never
signs) until it is removed."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pledge.bootstrap import build
from pledge.config import DEV_PAYMENT_SECRET, DEV_SECRET_KEY, GENERATE_HINT, MIN_SECRET_LENGTH, Settings
from pledge.logistics.webhook import carrier_secret, carrier_secrets, sign
from pledge.orders.tables import payments
from pledge.payments.adapters import CallbackPayload, SandboxProvider
from tests.conftest import make_app, migrated_sqlite
from tests.e2e.conftest import assert_problem, free_port
from tests.e2e.test_cli import PLEDGE, one_line
from tests.support import World

STRONG_KEY = "k" * 20 + "Q7vX0mZr2LwPa9sT4yUe"  # 40 characters
STRONG_PAY = "p" * 20 + "N3bH8cJd5FgKq1WoRt6V"
OLD_KEY = "o" * 20 + "Y2xC7vB4nM9aS1dF6gHj"
OLD_PAY = "q" * 20 + "L5kJ8hG3fD0sA7pO2iUy"


def pledge_cli(
    *args: str, var_dir: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess:
    """The command as an operator runs it, with only the PLEDGE_* settings given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PLEDGE_")}
    clean.update(COLUMNS="400", PLEDGE_VAR_DIR=str(var_dir), PLEDGE_PORT=str(free_port()), **env)
    return subprocess.run(
        [*PLEDGE, *args], capture_output=True, text=True, env=clean, timeout=timeout, cwd=var_dir
    )


@pytest.fixture
def var_dir(tmp_path, sqlite_template) -> Path:
    migrated_sqlite(sqlite_template, tmp_path)
    return tmp_path


# ---------------------------------------------------------------- refusing to start


@pytest.mark.parametrize(
    "env, named",
    [
        (
            {},
            [
                "PLEDGE_SECRET_KEY is a default shipped with Pledge",
                "PLEDGE_PAYMENT_SECRET is a default shipped with Pledge",
            ],
        ),
        ({"PLEDGE_SECRET_KEY": "", "PLEDGE_PAYMENT_SECRET": STRONG_PAY}, ["PLEDGE_SECRET_KEY is missing"]),
        (
            {"PLEDGE_SECRET_KEY": STRONG_KEY, "PLEDGE_PAYMENT_SECRET": "x" * (MIN_SECRET_LENGTH - 1)},
            [
                f"PLEDGE_PAYMENT_SECRET is {MIN_SECRET_LENGTH - 1} characters; at least {MIN_SECRET_LENGTH} "
                "are needed"
            ],
        ),
        (
            {
                "PLEDGE_SECRET_KEY": STRONG_KEY,
                "PLEDGE_PAYMENT_SECRET": STRONG_PAY,
                "PLEDGE_PAYMENT_SECRET_PREVIOUS": "old",
            },
            ["PLEDGE_PAYMENT_SECRET_PREVIOUS is 3 characters"],
        ),
        (
            {
                "PLEDGE_SECRET_KEY": STRONG_KEY,
                "PLEDGE_PAYMENT_SECRET": STRONG_PAY,
                "PLEDGE_CARRIER_SECRETS": '{"sf": "sf-secret"}',
            },
            ["PLEDGE_CARRIER_SECRETS[sf] is 9 characters"],
        ),
    ],
)
@pytest.mark.parametrize("command", [("serve",), ("worker", "--once")])
def test_serve_and_worker_refuse_to_start_outside_demo_mode_with_weak_secrets(var_dir, command, env, named):
    try:
        result = pledge_cli(*command, var_dir=var_dir, env=env, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`pledge {' '.join(command)}` started serving with {env or 'the shipped secrets'}")
    message = one_line(result.stderr)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "serving at" not in result.stdout
    for problem in named:
        assert problem in message, message
    assert GENERATE_HINT in message and "refusing to start outside demo mode" in message


def test_the_worker_starts_with_strong_secrets(var_dir):
    result = pledge_cli(
        "worker",
        "--once",
        var_dir=var_dir,
        env={"PLEDGE_SECRET_KEY": STRONG_KEY, "PLEDGE_PAYMENT_SECRET": STRONG_PAY},
    )
    assert result.returncode == 0, result.stderr
    assert "late_ship_compensated" in json.loads(result.stdout)


def test_demo_mode_needs_no_configured_secret(var_dir):
    from pledge.cli.main import require_real_secrets

    require_real_secrets(Settings(demo_mode=True))  # returns: no exit


def test_the_check_names_every_weak_secret_and_accepts_strong_ones():
    from pledge.config import secret_problems

    assert secret_problems(Settings()) == [
        "PLEDGE_SECRET_KEY is a default shipped with Pledge (public)",
        "PLEDGE_PAYMENT_SECRET is a default shipped with Pledge (public)",
    ]
    assert secret_problems(Settings(secret_key=STRONG_KEY, payment_secret=STRONG_PAY)) == []
    assert (
        secret_problems(
            Settings(
                secret_key=STRONG_KEY,
                payment_secret=STRONG_PAY,
                secret_key_previous=OLD_KEY,
                payment_secret_previous=OLD_PAY,
            )
        )
        == []
    )
    assert secret_problems(Settings(secret_key="  ", payment_secret=STRONG_PAY)) == [
        "PLEDGE_SECRET_KEY is missing"
    ]


# ---------------------------------------------------------------- demo mode: random secrets per database


def test_demo_mode_makes_random_secrets_per_database_that_survive_a_restart(tmp_path, sqlite_template):
    urls = {name: migrated_sqlite(sqlite_template, tmp_path, name) for name in ("a.sqlite3", "b.sqlite3")}

    def demo_app(name: str):
        url = urls[name]
        return build(Settings(database_url=url, demo_mode=True, var_dir=tmp_path))

    first, again, other = demo_app("a.sqlite3"), demo_app("a.sqlite3"), demo_app("b.sqlite3")
    try:
        for app in (first, other):
            for value in (app.settings.secret_key, app.settings.payment_secret):
                assert value not in (DEV_SECRET_KEY, DEV_PAYMENT_SECRET) and len(value) >= MIN_SECRET_LENGTH
        assert (again.settings.secret_key, again.settings.payment_secret) == (
            first.settings.secret_key,
            first.settings.payment_secret,
        )
        assert first.settings.secret_key != other.settings.secret_key
        assert first.settings.payment_secret != other.settings.payment_secret
        # the shipped secret no longer signs anything the demo accepts
        body, forged = SandboxProvider(DEV_PAYMENT_SECRET).sign(CallbackPayload("sbx_x", 100, "captured"))
        with pytest.raises(Exception) as refused:
            first.payments.verify(body, forged)
        assert getattr(refused.value, "status", None) == 401
        assert carrier_secret(first.settings, "sf") != carrier_secret(Settings(), "sf")
    finally:
        for app in (first, again, other):
            app.uow.engine.dispose()


def test_demo_mode_keeps_a_strong_secret_from_the_environment(tmp_path, sqlite_template):
    url = migrated_sqlite(sqlite_template, tmp_path, "demo.sqlite3")
    app = build(Settings(database_url=url, demo_mode=True, secret_key=STRONG_KEY))
    try:
        assert app.settings.secret_key == STRONG_KEY and app.settings.payment_secret != DEV_PAYMENT_SECRET
    finally:
        app.uow.engine.dispose()


# ---------------------------------------------------------------- rotation: old and new both verify


def test_rotation_payment_secret_verifies_old_and_new_but_signs_with_the_new():
    rotating = SandboxProvider(STRONG_PAY, previous=OLD_PAY)
    payload = CallbackPayload("sbx_0123456789abcdef01234567", 9470, "captured")
    for signer in (SandboxProvider(OLD_PAY), SandboxProvider(STRONG_PAY)):
        assert rotating.verify(*signer.sign(payload)) == payload
    body, signature = rotating.sign(payload)
    assert SandboxProvider(STRONG_PAY).verify(body, signature) == payload
    assert signature != SandboxProvider(OLD_PAY).sign(payload)[1]
    with pytest.raises(Exception) as refused:
        rotating.verify(*SandboxProvider("a-third-secret-nobody-configured-xx").sign(payload))
    assert refused.value.status == 401


def _rotating_app(tmp_path, sqlite_template, clock, **secrets):
    return make_app(migrated_sqlite(sqlite_template, tmp_path, "rotation.sqlite3"), clock, **secrets)


@pytest.mark.parametrize("previous, accepted", [(OLD_PAY, True), ("", False)])
def test_rotation_a_payment_callback_signed_with_the_previous_secret_counts_until_it_is_removed(
    tmp_path, sqlite_template, clock, previous, accepted
):
    from fastapi.testclient import TestClient

    from pledge.web.app import create_app

    app = _rotating_app(
        tmp_path, sqlite_template, clock, payment_secret=STRONG_PAY, payment_secret_previous=previous
    )
    world = World(app)
    shop_id, owner = world.shop()
    placed = world.place(world.user(), (world.product(owner, shop_id), 1))
    body, signature = SandboxProvider(OLD_PAY).sign(
        CallbackPayload(placed.payment_ref, placed.total_fen, "captured")
    )
    with TestClient(create_app(app, run_worker=False)) as client:
        resp = client.post(
            "/api/v1/payments/sandbox/callback", content=body, headers={"x-signature": signature}
        )
    with app.uow.read() as c:
        status = c.execute(
            select(payments.c.status).where(payments.c.provider_ref == placed.payment_ref)
        ).scalar_one()
    app.uow.engine.dispose()
    if accepted:
        assert resp.status_code == 200 and resp.json()["applied"] is True, resp.text
        assert status == "captured"
    else:
        assert_problem(resp, 401)
        assert status == "pending"


@pytest.mark.parametrize("previous, accepted", [(OLD_KEY, True), ("", False)])
def test_rotation_a_carrier_event_signed_with_the_previous_key_counts_until_it_is_removed(
    tmp_path, sqlite_template, clock, previous, accepted
):
    from fastapi.testclient import TestClient

    from pledge.web.app import create_app

    app = _rotating_app(tmp_path, sqlite_template, clock, secret_key=STRONG_KEY, secret_key_previous=previous)
    world = World(app)
    shop_id, owner = world.shop()
    order_id = world.paid_order(world.user(), world.product(owner, shop_id))
    world.ship(owner, order_id, tracking_no="SF5550000001")
    clock.advance(timedelta(hours=1))
    old_secret = carrier_secret(Settings(secret_key=OLD_KEY), "sf")
    assert carrier_secrets(app.settings, "sf")[0] == carrier_secret(Settings(secret_key=STRONG_KEY), "sf")
    body = json.dumps(
        {
            "event_id": "rot-1",
            "tracking_no": "SF5550000001",
            "kind": "picked_up",
            "occurred_at": clock.now().isoformat(),
        }
    ).encode()
    ts = str(int(clock.now().timestamp()))
    with TestClient(create_app(app, run_worker=False)) as client:
        resp = client.post(
            "/api/v1/carriers/sf/events",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Pledge-Timestamp": ts,
                "X-Pledge-Signature": sign(old_secret, ts, body),
            },
        )
    app.uow.engine.dispose()
    if accepted:
        assert resp.status_code == 202, resp.text
    else:
        assert_problem(resp, 401)
