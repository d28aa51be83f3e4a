"""One lifecycle helper for every entity with a status.

An entity's `model.py` declares a StrEnum of its statuses and a TRANSITIONS table (status → the
statuses it may become) and builds `LIFECYCLE = Lifecycle("order", OrderStatus, TRANSITIONS)`.
Services never write a status string themselves: they call `LIFECYCLE.move(...)`, which checks
the table and then runs a conditional UPDATE (`... WHERE id = :id AND status = :from`), so that of
two actors racing on one row exactly one wins and the other is told (Conflict) or, for idempotent
workers, learns it lost (`try_move` → False)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from pledge.kernel.errors import Conflict, IllegalTransition

S = TypeVar("S", bound=StrEnum)


class Lifecycle(Generic[S]):
    def __init__(self, name: str, statuses: type[S], transitions: Mapping[S, Iterable[S]]) -> None:
        missing = set(statuses) - set(transitions)
        if missing:
            raise ValueError(f"the {name} lifecycle has no row for {sorted(missing)}")
        self.name = name
        self.statuses = statuses
        self.transitions: dict[S, frozenset[S]] = {s: frozenset(transitions[s]) for s in statuses}

    def allows(self, current: str, target: str) -> bool:
        return self.statuses(target) in self.transitions[self.statuses(current)]

    def check(self, current: str, target: str) -> S:
        """The target status, or IllegalTransition when the table does not allow the move."""
        if not self.allows(current, target):
            article = "an" if self.name[0] in "aeiou" else "a"
            raise IllegalTransition(f"{article} {self.name} that is {current} cannot become {target}")
        return self.statuses(target)

    @property
    def open(self) -> tuple[S, ...]:
        """Statuses that still have a way out (not final)."""
        return tuple(s for s in self.statuses if self.transitions[s])

    def try_move(
        self,
        conn: Connection,
        table: Table,
        row_id: int,
        current: str,
        target: str,
        *,
        where: Iterable[Any] = (),
        **values: Any,
    ) -> bool:
        """Move one row if it still is `current` (and matches `where`); False if it no longer was."""
        status = self.check(current, target)
        done = conn.execute(
            table.update()
            .where(table.c.id == row_id, table.c.status == str(current), *where)
            .values(status=status.value, **values)
        ).rowcount
        return done == 1

    def move(
        self,
        conn: Connection,
        table: Table,
        row_id: int,
        current: str,
        target: str,
        *,
        where: Iterable[Any] = (),
        **values: Any,
    ) -> None:
        """As try_move, but a row changed underneath is a Conflict: reload and try again."""
        if not self.try_move(conn, table, row_id, current, target, where=where, **values):
            raise Conflict(f"{self.name} {row_id} changed while it was being updated; reload and try again")

    def move_all(
        self,
        conn: Connection,
        table: Table,
        current: str,
        target: str,
        *,
        where: Iterable[Any],
        **values: Any,
    ) -> int:
        """Move every row that is `current` and matches `where`; the number moved."""
        status = self.check(current, target)
        return conn.execute(
            table.update().where(table.c.status == str(current), *where).values(status=status.value, **values)
        ).rowcount
