"""Rulebooks are TOML files shipped in this package, one per platform version. Code evaluates
them; it never hard-codes a rule number. Every clause carries an id, an effective date and a
source so each yuan it produces can cite it."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pledge.kernel.errors import InvalidInput, NotFound

REQUIRED = ("id", "kind", "effective", "source", "text")
REMEMBERED = 20_000  # Rulebook.remember's answers kept at most (a few MB of explanation texts)
_UNKNOWN = object()
T = TypeVar("T")


@dataclass(frozen=True)
class Clause:
    id: str
    kind: str
    effective: date
    source: str
    text: str
    text_en: str
    params: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class Rulebook:
    name: str
    version: str
    title: str
    title_en: str
    timezone: str
    settings: dict[str, Any]
    clauses: tuple[Clause, ...]
    # Platform rules the book knows of but does not enforce yet: {source, title, why}.
    not_modelled: tuple[dict[str, str], ...] = ()
    # in_force's answers by (kind, day): a sweep asks the same question for every order.
    _in_force_memo: dict[tuple[str, date], tuple[Clause, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _grouped_memo: dict[tuple[str, date, str], dict[Any, tuple[Clause, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # remember's answers by (what, day, inputs), emptied when it reaches REMEMBERED entries
    _derived_memo: dict[tuple[str, date, tuple], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def _day(self, at: datetime | date) -> date:
        """Effective dates are the platform's calendar days, not UTC days."""
        return at.astimezone(ZoneInfo(self.timezone)).date() if isinstance(at, datetime) else at

    def in_force(self, kind: str, at: datetime | date) -> list[Clause]:
        """Clauses of a kind effective at `at`; for each id the latest effective version wins."""
        day = self._day(at)
        found = self._in_force_memo.get((kind, day))
        if found is None:  # the book is immutable, so the answer for a (kind, day) never changes
            chosen: dict[str, Clause] = {}
            for clause in self.clauses:
                if clause.kind == kind and clause.effective <= day:
                    current = chosen.get(clause.id)
                    if current is None or current.effective < clause.effective:
                        chosen[clause.id] = clause
            found = self._in_force_memo[(kind, day)] = tuple(chosen.values())
        return list(found)

    def in_force_by(self, kind: str, at: datetime | date, key: str) -> dict[Any, tuple[Clause, ...]]:
        """in_force's clauses grouped by one parameter's value (remembered like in_force): a
        sweep looks up one rule's clauses for every order, and filtering every clause of the
        kind each time was over a quarter of the late-ship quote's time under the profiler."""
        day = self._day(at)
        found = self._grouped_memo.get((kind, day, key))
        if found is None:
            groups: dict[Any, list[Clause]] = {}
            for clause in self.in_force(kind, day):
                groups.setdefault(clause.get(key), []).append(clause)
            found = self._grouped_memo[(kind, day, key)] = {k: tuple(v) for k, v in groups.items()}
        return found

    def remember(self, what: str, at: datetime | date, inputs: tuple, compute: Callable[[], T]) -> T:
        """`compute()`, a value that depends only on the clauses in force on `at`'s day and on
        `inputs` (hashable), computed once per distinct (what, day, inputs): a sweep evaluates
        the same clause for the same amount and promise over and over (issue 19: "compute the
        clause in Python once per distinct input"). The book is immutable, so an answer never
        goes stale; the memo is emptied when it holds REMEMBERED answers, to bound its size."""
        key = (what, self._day(at), inputs)
        found = self._derived_memo.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            if len(self._derived_memo) >= REMEMBERED:
                self._derived_memo.clear()
            found = self._derived_memo[key] = compute()
        return found

    def one(self, kind: str, at: datetime | date, **match: Any) -> Clause:
        found = [c for c in self.in_force(kind, at) if all(c.get(k) == v for k, v in match.items())]
        if len(found) != 1:
            raise NotFound(
                f"rulebook {self.name} has {len(found)} '{kind}' clauses {match or ''} in force on {at}"
            )
        return found[0]

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise NotFound(f"rulebook {self.name} has no clause {clause_id}")


def _parse(text: str, origin: str, parts: tuple[tuple[str, str], ...] = ()) -> Rulebook:
    """`parts`: (name, text) of the book's part files, which hold more [[clauses]] and
    [[not_modelled]] entries only."""
    data = tomllib.loads(text)
    head = data.get("rulebook") or {}
    raws = list(data.get("clauses", []))
    not_modelled = list(data.get("not_modelled", []))
    for part_name, part_text in parts:
        part = tomllib.loads(part_text)
        extra = set(part) - {"clauses", "not_modelled"}
        if extra:
            raise InvalidInput(
                f"{part_name}: a part file holds [[clauses]] and [[not_modelled]] only, not {sorted(extra)}"
            )
        raws += part.get("clauses", [])
        not_modelled += part.get("not_modelled", [])
    for entry in not_modelled:
        if set(entry) != {"source", "title", "why"}:
            raise InvalidInput(
                f"{origin}: a [[not_modelled]] entry needs exactly source, title and why: {entry}"
            )
    clauses = []
    for raw in raws:
        missing = [k for k in REQUIRED if k not in raw]
        if missing:
            raise InvalidInput(f"{origin}: clause {raw.get('id', '?')} lacks {', '.join(missing)}")
        if not isinstance(raw["effective"], date) or isinstance(raw["effective"], datetime):
            raise InvalidInput(
                f"{origin}: clause {raw['id']} effective must be a TOML date (2026-08-10), "
                f"not {raw['effective']!r}"
            )
        params = {k: v for k, v in raw.items() if k not in REQUIRED and k != "text_en"}
        clauses.append(
            Clause(
                raw["id"],
                raw["kind"],
                raw["effective"],
                raw["source"],
                raw["text"],
                raw.get("text_en", raw["text"]),
                params,
            )
        )
    ids = [(c.id, c.effective) for c in clauses]
    if len(ids) != len(set(ids)):
        raise InvalidInput(f"{origin}: a clause id appears twice with the same effective date")
    settings = {
        k: v for k, v in head.items() if k not in ("name", "version", "title", "title_en", "timezone")
    }
    return Rulebook(
        head["name"],
        str(head["version"]),
        head["title"],
        head.get("title_en", head["title"]),
        head.get("timezone", "Asia/Shanghai"),
        settings,
        tuple(clauses),
        tuple(not_modelled),
    )


@cache
def available() -> dict[str, list[Rulebook]]:
    """All shipped rulebooks by name, oldest version first. A book is NAME-VERSION.toml plus
    its part files NAME-VERSION.<topic>.toml (more clauses, one file per domain)."""
    books: dict[str, list[Rulebook]] = {}
    entries = sorted(
        (e for e in resources.files("pledge.rulebooks").iterdir() if e.name.endswith(".toml")),
        key=lambda e: e.name,
    )
    stems = {e.name[: -len(".toml")] for e in entries if e.name.count(".") == 1}
    orphans = [e.name for e in entries if e.name.count(".") > 1 and e.name.split(".")[0] not in stems]
    if orphans:
        raise InvalidInput(f"rulebook part files without their book: {orphans}")
    for stem in sorted(stems):
        main = next(e for e in entries if e.name == f"{stem}.toml")
        parts = tuple(
            (e.name, e.read_text(encoding="utf-8"))
            for e in entries
            if e.name.count(".") > 1 and e.name.split(".")[0] == stem
        )
        book = _parse(main.read_text(encoding="utf-8"), main.name, parts)
        books.setdefault(book.name, []).append(book)
    for versions in books.values():
        versions.sort(key=lambda b: b.version)
    return books


def load(name: str, version: str | None = None) -> Rulebook:
    versions = available().get(name)
    if not versions:
        raise NotFound(f"no rulebook named {name!r}; shipped: {', '.join(sorted(available()))}")
    if version is None:
        return versions[-1]
    for book in versions:
        if book.version == version:
            return book
    raise NotFound(f"rulebook {name} has no version {version!r}")
