"""Traffic support programmes (流量扶持, docs/reach.md): an operator boosts the feed score of
content from shops meeting thresholds (experience score, penalties, late-ship rate) between two
dates. Like fee programmes (settlement/programs.py) each is cited and effective-dated, and every
change is a new version with a snapshot, so a ranking can say which version boosted it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pledge.accounts.services import Actor, require_platform
from pledge.kernel import jsonutil
from pledge.kernel.db import AnyRow, inserted_id
from pledge.kernel.errors import Conflict, InvalidInput, NotFound
from pledge.reach.quality import FULL_BP, ShopSignals, max_boost_bp
from pledge.reach.tables import reach_support_programs, reach_support_versions
from pledge.rulebooks.loader import Rulebook

SUPPORT_ROLES = ("operator",)
CITATION_PREFIXES = ("douyin:", "pledge:")
EDITABLE = frozenset(
    {"name", "name_en", "min_experience_centi", "max_penalties", "max_late_ship_bp", "boost_bp", "ends_at"}
)


@dataclass(frozen=True, slots=True)
class SupportSpec:
    code: str
    name: str
    name_en: str
    source: str  # the citation of the programme's announcement: douyin:ID or pledge:default
    min_experience_centi: int  # the shop's experience score x 100 at least this
    max_penalties: int  # at most this many penalties in force in the penalty window
    max_late_ship_bp: int  # a late-ship rate at most this (basis points)
    boost_bp: int  # added to the feed score (whose full scale is 10000)
    starts_at: datetime
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Program:
    id: int
    version: int
    spec: SupportSpec

    def in_force(self, at: datetime) -> bool:
        return self.spec.starts_at <= at and (self.spec.ends_at is None or at < self.spec.ends_at)

    def admits(self, signals: ShopSignals) -> bool:
        """A shop qualifies with a score (no score yet: no support), few penalties, ships on time."""
        s = self.spec
        return (
            signals.experience_centi is not None
            and signals.experience_centi >= s.min_experience_centi
            and signals.penalties <= s.max_penalties
            and (signals.late_ship_bp or 0) <= s.max_late_ship_bp
        )


def check(spec: SupportSpec, book: Rulebook) -> None:
    if not spec.code.strip() or not spec.name.strip():
        raise InvalidInput("a traffic support programme needs a code and a name")
    if not spec.source.startswith(CITATION_PREFIXES):
        raise InvalidInput("cite the programme's source: douyin:<rule id> or pledge:default")
    if not 0 <= spec.min_experience_centi <= 100 * 100:
        raise InvalidInput("the minimum experience score lies between 0 and 100")
    if spec.max_penalties < 0 or not 0 <= spec.max_late_ship_bp <= FULL_BP:
        raise InvalidInput("the penalty limit is 0 or more and the late-ship limit 0% to 100%")
    most = max_boost_bp(book, spec.starts_at)
    if not 0 < spec.boost_bp <= most:
        raise InvalidInput(f"a boost lies between 1 and {most} (reach.support-bounds)")
    if spec.ends_at is not None and spec.ends_at <= spec.starts_at:
        raise InvalidInput("the programme ends before it starts")


def _program(row: AnyRow) -> Program:
    spec = SupportSpec(**{name: getattr(row, name) for name in SupportSpec.__dataclass_fields__})
    return Program(row.id, row.version, spec)


def programs(conn: Connection) -> list[Program]:
    query = select(reach_support_programs).order_by(reach_support_programs.c.id)
    return [_program(row) for row in conn.execute(query)]


def best_for(found: list[Program], signals: ShopSignals, at: datetime) -> Program | None:
    """The programme in force that admits the shop with the largest boost (ties: the older)."""
    admitted = [p for p in found if p.in_force(at) and p.admits(signals)]
    return max(admitted, key=lambda p: (p.spec.boost_bp, -p.id), default=None)


def _record_version(conn: Connection, program: Program, actor: Actor, at: datetime, note: str) -> None:
    snapshot = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(program.spec).items()}
    conn.execute(
        reach_support_versions.insert(),
        {
            "program_id": program.id,
            "version": program.version,
            "snapshot": jsonutil.dumps(snapshot),
            "note": note,
            "changed_by": actor.user_id,
            "changed_at": at,
        },
    )


def create(conn: Connection, actor: Actor, spec: SupportSpec, book: Rulebook, *, at: datetime) -> int:
    require_platform(actor, *SUPPORT_ROLES)
    spec = replace(spec, code=spec.code.strip(), name=spec.name.strip(), name_en=spec.name_en.strip())
    check(spec, book)
    taken = select(reach_support_programs.c.id).where(reach_support_programs.c.code == spec.code)
    if conn.execute(taken).first():
        raise Conflict(f"a traffic support programme with code {spec.code!r} already exists")
    values = asdict(spec) | {"version": 1, "created_at": at, "updated_at": at}
    program_id = inserted_id(conn, reach_support_programs.insert().values(**values))
    _record_version(conn, Program(program_id, 1, spec), actor, at, "created")
    return program_id


def update(
    conn: Connection, actor: Actor, program_id: int, book: Rulebook, *, at: datetime, note: str, **changes
) -> int:
    """A change as a new version (rankings already made keep citing the version they used)."""
    require_platform(actor, *SUPPORT_ROLES)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))} of a traffic support programme")
    row = conn.execute(
        select(reach_support_programs).where(reach_support_programs.c.id == program_id)
    ).first()
    if row is None:
        raise NotFound(f"no traffic support programme {program_id}")
    spec = replace(_program(row).spec, **changes)
    check(spec, book)
    t = reach_support_programs.c
    moved = conn.execute(
        reach_support_programs.update()
        .where(t.id == program_id, t.version == row.version)
        .values(**changes, version=row.version + 1, updated_at=at)
    ).rowcount
    if moved != 1:
        raise Conflict(f"programme {program_id} changed while it was being edited; reload and try again")
    _record_version(conn, Program(program_id, row.version + 1, spec), actor, at, note)
    return row.version + 1
