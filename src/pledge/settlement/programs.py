"""Fee programs (waivers and rebates) that finance staff configure: their specs and checks,
versions with snapshots, and the shops' applications. Rates stay in the rulebook; programs
only lower them (docs/adr/0009-settlement.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, Permission, require_platform, require_shop
from pledge.kernel import jsonutil
from pledge.kernel.db import AnyRow, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.orders.services import CHANNELS
from pledge.settlement import policy
from pledge.settlement.accounts import FINANCE_ROLES
from pledge.settlement.model import APPLICATION_LIFECYCLE, ApplicationStatus
from pledge.settlement.tables import applications, program_versions, programs


def _program(row) -> policy.Program:
    return policy.Program(
        row.id,
        row.code,
        row.kind,
        row.name,
        row.rate_bp,
        tuple(jsonutil.loads(row.categories) or []),
        row.shop_id,
        row.channel,
        jsonutil.loads(row.params) or {},
        row.starts_at,
        row.ends_at,
        row.requires_application,
        row.version,
    )


def load_programs(conn: Connection, kinds: tuple[str, ...] = policy.PROGRAM_KINDS) -> list[policy.Program]:
    return [
        _program(r)
        for r in conn.execute(select(programs).where(programs.c.kind.in_(kinds)).order_by(programs.c.id))
    ]


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    kind: str
    name: str
    name_en: str
    starts_at: datetime
    ends_at: datetime | None = None
    rate_bp: int | None = None
    categories: tuple[str, ...] = ()
    shop_id: int | None = None
    channel: str | None = None
    requires_application: bool = False
    tiers: tuple[tuple[int, int], ...] = ()
    task_orders: int | None = None
    days: int | None = None


def _check_spec(spec: ProgramSpec) -> dict:
    if spec.kind not in policy.PROGRAM_KINDS:
        raise InvalidInput(f"unknown program kind {spec.kind!r}; one of {', '.join(policy.PROGRAM_KINDS)}")
    if not spec.code.strip() or not spec.name.strip():
        raise InvalidInput("a program needs a code and a name")
    if spec.ends_at is not None and spec.ends_at <= spec.starts_at:
        raise InvalidInput(
            f"the program ends ({spec.ends_at.isoformat()}) before it starts ({spec.starts_at.isoformat()})"
        )
    if spec.channel is not None and spec.channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {spec.channel!r}; one of {', '.join(CHANNELS)}")
    params: dict = {}
    if spec.kind in policy.WAIVER_KINDS:
        if spec.rate_bp is None or type(spec.rate_bp) is not int:
            raise InvalidInput("a waiver needs the residual rate it keeps, in basis points (60 = 0.6%)")
        if spec.rate_bp < 0 or spec.rate_bp > 10_000:
            raise InvalidInput(f"a rate must be between 0 and 10000 bp (0%–100%), got {spec.rate_bp}")
    elif spec.rate_bp is not None:
        raise InvalidInput("a turnover rebate has tiers, not a rate")
    if spec.kind == "task_waiver":
        if not spec.task_orders or spec.task_orders <= 0:
            raise InvalidInput(
                "a monthly-task waiver needs the number of orders to reach in a month (task_orders > 0)"
            )
        params["task_orders"] = spec.task_orders
    if spec.kind == "new_merchant":
        if not spec.days or spec.days <= 0:
            raise InvalidInput(
                "a new-merchant waiver needs the number of days after joining it lasts (days > 0)"
            )
        params["days"] = spec.days
    if spec.kind == "turnover_rebate":
        params["tiers"] = policy.validate_tiers(list(spec.tiers))
        if not params["tiers"]:
            raise InvalidInput("a turnover rebate needs at least one tier")
    return params


def _overlapping(conn: Connection, spec: ProgramSpec, exclude_id: int | None = None) -> policy.Program | None:
    for p in load_programs(conn, (spec.kind,)):
        if p.id == exclude_id or p.shop_id != spec.shop_id or p.channel != spec.channel:
            continue
        if p.categories and spec.categories and not set(p.categories) & set(spec.categories):
            continue
        if (spec.ends_at is None or p.starts_at < spec.ends_at) and (
            p.ends_at is None or spec.starts_at < p.ends_at
        ):
            return p
    return None


def _snapshot(row) -> str:
    keys = (
        "code",
        "kind",
        "name",
        "name_en",
        "rate_bp",
        "categories",
        "shop_id",
        "channel",
        "params",
        "starts_at",
        "ends_at",
        "requires_application",
        "version",
    )
    return jsonutil.dumps(
        {
            k: (jsonutil.loads(getattr(row, k)) if k in ("categories", "params") else getattr(row, k))
            for k in keys
        }
    )


def create_program(conn: Connection, actor: Actor, spec: ProgramSpec, *, at: datetime, note: str = "") -> int:
    require_platform(actor, *FINANCE_ROLES)
    params = _check_spec(spec)
    if conn.execute(select(programs.c.id).where(programs.c.code == spec.code)).first():
        raise Conflict(f"a program with code {spec.code!r} already exists")
    clash = _overlapping(conn, spec)
    if clash is not None:
        raise Conflict(
            f"program {clash.code} ({clash.name}) already covers the same scope from "
            f"{clash.starts_at.date()} to {clash.ends_at.date() if clash.ends_at else 'open end'}; "
            "end it first or change this one's dates",
            program_id=clash.id,
        )
    program_id = inserted_id(
        conn,
        programs.insert().values(
            code=spec.code.strip(),
            kind=spec.kind,
            name=spec.name.strip(),
            name_en=spec.name_en.strip() or spec.name.strip(),
            rate_bp=spec.rate_bp,
            categories=jsonutil.dumps(list(spec.categories)),
            shop_id=spec.shop_id,
            channel=spec.channel,
            params=jsonutil.dumps(params),
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            requires_application=spec.requires_application,
            version=1,
            created_at=at,
            updated_at=at,
        ),
    )
    row = conn.execute(select(programs).where(programs.c.id == program_id)).one()
    conn.execute(
        program_versions.insert(),
        {
            "program_id": program_id,
            "version": 1,
            "snapshot": _snapshot(row),
            "note": note or "created",
            "changed_by": actor.user_id,
            "changed_at": at,
        },
    )
    return program_id


EDITABLE = frozenset(
    {
        "name",
        "name_en",
        "rate_bp",
        "categories",
        "channel",
        "starts_at",
        "ends_at",
        "requires_application",
        "tiers",
        "task_orders",
        "days",
    }
)


def _changed_spec(row: AnyRow, changes: dict[str, Any]) -> ProgramSpec:
    """The programme as it will be after `changes`; code, kind and shop never change."""
    current = _program(row)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))} of a program")
    return ProgramSpec(
        code=row.code,
        kind=row.kind,
        name=changes.get("name", row.name),
        name_en=changes.get("name_en", row.name_en),
        starts_at=changes.get("starts_at", row.starts_at),
        ends_at=changes.get("ends_at", row.ends_at),
        rate_bp=changes.get("rate_bp", row.rate_bp),
        categories=tuple(changes.get("categories", current.categories)),
        shop_id=row.shop_id,
        channel=changes.get("channel", row.channel),
        requires_application=changes.get("requires_application", row.requires_application),
        tiers=tuple(tuple(t) for t in changes.get("tiers", current.params.get("tiers", []))),
        task_orders=changes.get("task_orders", current.params.get("task_orders")),
        days=changes.get("days", current.params.get("days")),
    )


def update_program(
    conn: Connection, actor: Actor, program_id: int, *, at: datetime, note: str = "", **changes
) -> int:
    """A configuration change (more categories, a new end date, a new rate...) as a new version;
    fees already charged keep the version they cite. Returns the new version."""
    require_platform(actor, *FINANCE_ROLES)
    row = conn.execute(select(programs).where(programs.c.id == program_id)).first()
    if row is None:
        raise NotFound(f"no program {program_id}")
    spec = _changed_spec(row, changes)
    params = _check_spec(spec)
    clash = _overlapping(conn, spec, exclude_id=program_id)
    if clash is not None:
        raise Conflict(
            f"program {clash.code} ({clash.name}) already covers the same scope in those dates",
            program_id=clash.id,
        )
    version = row.version + 1
    moved = conn.execute(
        programs.update()
        .where(programs.c.id == program_id, programs.c.version == row.version)
        .values(
            name=spec.name,
            name_en=spec.name_en,
            rate_bp=spec.rate_bp,
            categories=jsonutil.dumps(list(spec.categories)),
            channel=spec.channel,
            params=jsonutil.dumps(params),
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            requires_application=spec.requires_application,
            version=version,
            updated_at=at,
        )
    ).rowcount
    if moved != 1:
        raise Conflict(f"program {program_id} changed while it was being edited; reload and try again")
    row = conn.execute(select(programs).where(programs.c.id == program_id)).one()
    conn.execute(
        program_versions.insert(),
        {
            "program_id": program_id,
            "version": version,
            "snapshot": _snapshot(row),
            "note": note,
            "changed_by": actor.user_id,
            "changed_at": at,
        },
    )
    return version


def apply_to_program(
    conn: Connection, actor: Actor, shop_id: int, program_id: int, *, at: datetime, note: str = ""
) -> int:
    require_shop(actor, shop_id, permission=Permission.SETTLEMENT)
    row = conn.execute(select(programs).where(programs.c.id == program_id)).first()
    if row is None:
        raise NotFound(f"no program {program_id}")
    if not row.requires_application:
        raise Conflict(f"program {row.code} applies without an application")
    if row.shop_id is not None and row.shop_id != shop_id:
        raise NotFound(f"no program {program_id}")
    if row.ends_at is not None and row.ends_at <= at:
        raise Conflict(f"program {row.code} has ended")
    if conn.execute(
        select(applications.c.id).where(
            applications.c.program_id == program_id, applications.c.shop_id == shop_id
        )
    ).first():
        raise Conflict(f"shop {shop_id} has already applied to program {row.code}")
    return inserted_id(
        conn,
        applications.insert().values(
            program_id=program_id,
            shop_id=shop_id,
            status=ApplicationStatus.PENDING.value,
            note=note,
            applied_by=actor.user_id,
            applied_at=at,
        ),
    )


def decide_application(
    conn: Connection, actor: Actor, application_id: int, *, approve: bool, at: datetime
) -> str:
    require_platform(actor, *FINANCE_ROLES)
    status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    if not APPLICATION_LIFECYCLE.try_move(
        conn,
        applications,
        application_id,
        ApplicationStatus.PENDING,
        status,
        decided_by=actor.user_id,
        decided_at=at,
    ):
        if conn.execute(select(applications.c.id).where(applications.c.id == application_id)).first() is None:
            raise NotFound(f"no application {application_id}")
        raise Conflict(f"application {application_id} has already been decided")
    return status.value
