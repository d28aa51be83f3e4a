"""Money has one door: only pledge.ledger writes the ledger's tables (transactions, postings,
coupons); everything else calls ledger.services (record, record_many, issue_coupons,
redeem_coupon, release_coupon), so the balance and idempotency invariants live in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pledge

SRC = Path(pledge.__file__).parent
MONEY_TABLES = {"ledger_transactions", "ledger_postings", "ledger_accounts", "coupons"}
WRITES = {"insert", "update", "delete", "dialect_insert", "pg_insert", "sqlite_insert"}
ALLOWED = ("ledger", "migrations")


def _table_name(node: ast.expr) -> str | None:
    """`coupons`, `tables.coupons` → "coupons"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _writes_in(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        # coupons.insert() / ledger_postings.update() / ledger_transactions.delete()
        if (
            isinstance(func, ast.Attribute)
            and func.attr in WRITES
            and _table_name(func.value) in MONEY_TABLES
        ):
            found.append((node.lineno, f"{_table_name(func.value)}.{func.attr}()"))
        # insert(coupons), dialect_insert(conn)(coupons), update(ledger_postings), delete(...)
        callee = func.func if isinstance(func, ast.Call) else func
        name = _table_name(callee) if isinstance(callee, (ast.Name, ast.Attribute)) else None
        if name in WRITES and any(_table_name(arg) in MONEY_TABLES for arg in node.args):
            table = next(_table_name(a) for a in node.args if _table_name(a) in MONEY_TABLES)
            found.append((node.lineno, f"{name}({table})"))
    return sorted(found)


def money_writes_outside_the_ledger() -> list[str]:
    places = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[0] in ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        places += [f"pledge/{relative}:{line}: {what}" for line, what in _writes_in(tree)]
    return places


def test_only_the_ledger_writes_money_tables():
    places = money_writes_outside_the_ledger()
    assert not places, "write these through pledge.ledger.services instead:\n" + "\n".join(places)


def test_the_scan_finds_every_spelling_of_a_write():
    source = """
coupons.insert().values(x=1)
tables.ledger_postings.update()
ledger_transactions.delete()
dialect_insert(conn)(coupons).on_conflict_do_nothing()
insert(ledger_postings)
update(coupons)
orders.insert()
select(coupons)
"""
    assert [what for _, what in _writes_in(ast.parse(source))] == [
        "coupons.insert()",
        "ledger_postings.update()",
        "ledger_transactions.delete()",
        "dialect_insert(coupons)",
        "insert(ledger_postings)",
        "update(coupons)",
    ]
