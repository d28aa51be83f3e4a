"""From a clause id to its code in one hop (pledge.policies): every clause kind of every shipped
rulebook maps to one function, every mapped kind exists in a rulebook, and every parameter a
clause declares is read by the code that applies it (or pinned as a value the code implements)."""

from __future__ import annotations

import ast
import inspect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path

from pledge.policies import COMMON_KEYS, READERS, ClauseReader
from pledge.rulebooks.loader import Clause, available
from pledge.settlement import policy as settlement_policy


def _shipped_clauses() -> list[tuple[str, Clause]]:
    return [
        (f"{book.name} {book.version}", clause)
        for books in available().values()
        for book in books
        for clause in book.clauses
    ]


@cache
def _names_in(path: str) -> frozenset[str]:
    """String constants and keyword-argument names in a module: how code names a clause parameter
    (clause.get("hours"), clause.params["hours"], book.one(kind, at, promise=...))."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
    return frozenset(names)


def _named_by(reader: ClauseReader) -> frozenset[str]:
    found: set[str] = set()
    for function in (reader.function, *reader.helpers):
        found |= _names_in(inspect.getsourcefile(function) or "")
    return frozenset(found)


def unread_parameters(
    clauses: Iterable[tuple[str, Clause]], readers: Mapping[str, ClauseReader]
) -> dict[str, set[str]]:
    unread: dict[str, set[str]] = defaultdict(set)
    for where, clause in clauses:
        reader = readers.get(clause.kind)
        if reader is None:
            continue
        for key in set(clause.params) - COMMON_KEYS - reader.reads - set(reader.fixed):
            unread[f"{clause.kind} -> {reader.where}"].add(f"{key} ({where}: {clause.id})")
    return unread


def reads_not_in_code(readers: Mapping[str, ClauseReader]) -> dict[str, list[str]]:
    return {r.where: sorted(r.reads - _named_by(r)) for r in readers.values() if r.reads - _named_by(r)}


def test_every_kind_in_a_shipped_rulebook_has_a_function():
    missing = sorted(
        {f"{c.kind} ({where}: {c.id})" for where, c in _shipped_clauses() if c.kind not in READERS}
    )
    assert not missing, "clause kinds no function applies (map them in pledge/policies.py):\n" + "\n".join(
        missing
    )


def test_every_mapped_kind_is_in_a_shipped_rulebook():
    kinds = {c.kind for _, c in _shipped_clauses()}
    extra = sorted(set(READERS) - kinds)
    assert not extra, f"pledge/policies.py maps kinds no shipped rulebook has: {extra}"


def test_the_map_is_keyed_by_the_kind_it_names():
    assert all(kind == reader.kind for kind, reader in READERS.items())


def test_every_parameter_a_clause_declares_is_read_by_its_function():
    unread = unread_parameters(_shipped_clauses(), READERS)
    assert not unread, "clause parameters the mapped function does not read:\n" + "\n".join(
        f"  {k}: {sorted(v)}" for k, v in sorted(unread.items())
    )


def test_every_declared_read_appears_in_the_code_that_reads_it():
    absent = reads_not_in_code(READERS)
    assert not absent, f"declared reads the function's module (or its helpers') never names: {absent}"


def test_every_declared_parameter_is_one_some_clause_of_the_kind_has():
    declared: dict[str, set[str]] = defaultdict(set)
    for _, clause in _shipped_clauses():
        declared[clause.kind] |= set(clause.params)
    stale = {
        kind: sorted((r.reads | set(r.fixed)) - declared[kind])
        for kind, r in READERS.items()
        if (r.reads | set(r.fixed)) - declared[kind]
    }
    assert not stale, f"declared parameters no clause of the kind has (remove them): {stale}"


def test_a_fixed_parameter_has_a_value_the_code_implements():
    wrong = [
        f"{clause.id}: {key} = {clause.get(key)!r}, the code implements {allowed}"
        for _, clause in _shipped_clauses()
        if (reader := READERS.get(clause.kind)) is not None
        for key, allowed in reader.fixed.items()
        if key in clause.params and clause.get(key) not in allowed
    ]
    assert not wrong, "\n".join(wrong)


def test_a_parameter_is_either_read_or_fixed_not_both():
    both = {kind: sorted(r.reads & set(r.fixed)) for kind, r in READERS.items() if r.reads & set(r.fixed)}
    assert not both, both


def test_a_parameter_nobody_reads_is_caught():
    reader = READERS["commission_rate"]
    clause = Clause(
        "commission.rate.x",
        "commission_rate",
        date(2026, 1, 1),
        "pledge:default",
        "t",
        "t",
        {"categories": ["x"], "rate_bp": 100, "special_channel_bp": 130},
    )
    unread = unread_parameters([("test", clause)], {"commission_rate": reader})
    assert unread == {f"commission_rate -> {reader.where}": {"special_channel_bp (test: commission.rate.x)"}}


def test_a_declared_read_the_code_never_names_is_caught():
    fake = ClauseReader(
        "commission_rate", settlement_policy.base_rate, frozenset({"rate_bp", "nobody_reads_me"})
    )
    assert reads_not_in_code({"commission_rate": fake}) == {fake.where: ["nobody_reads_me"]}


def test_every_shipment_trigger_has_one_check():
    from pledge.logistics.policy import SHIPMENT_TRIGGERS, TRIGGER_CHECKS

    assert sorted(TRIGGER_CHECKS) == sorted(SHIPMENT_TRIGGERS)
    named = {
        c.get("trigger") for _, c in _shipped_clauses() if c.kind in ("slow_tracking", "abnormal_tracking")
    }
    assert named <= set(TRIGGER_CHECKS), named - set(TRIGGER_CHECKS)


KIND_READERS = ("in_force", "one", "clauses_at", "timer", "_clause")


def _kinds_named_in_code() -> dict[str, set[str]]:
    """Clause kinds the code asks a rulebook for by name: book.in_force("late_ship", at),
    book.one("return_window", at), policy.timer(book, "return_ship_window", at), ..."""
    src = Path(inspect.getsourcefile(ClauseReader) or "").resolve().parent
    named: dict[str, set[str]] = defaultdict(set)
    for path in src.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in KIND_READERS:
                continue
            for arg in node.args[:2]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    named[arg.value].add(str(path.relative_to(src.parent)))
    return named


def test_every_kind_the_code_asks_for_is_mapped():
    named = _kinds_named_in_code()
    assert len(named) > 40, sorted(named)
    unmapped = {kind: sorted(where) for kind, where in named.items() if kind not in READERS}
    assert not unmapped, f"kinds the code reads that pledge/policies.py does not map: {unmapped}"
