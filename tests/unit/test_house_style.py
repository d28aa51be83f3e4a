"""House style, checked: no module in src/pledge or bench over 600 lines and no function over 60
(counted end_lineno - lineno + 1, decorators excluded, docstring included), demo scripts included.

Alembic migrations under src/pledge/migrations/versions/ are exempt: a shipped migration is
immutable history (a database that ran it must see the same file), so it is never split."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = (ROOT / "src" / "pledge", ROOT / "bench")
EXEMPT = ROOT / "src" / "pledge" / "migrations" / "versions"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(p for top in CHECKED for p in top.rglob("*.py") if not p.is_relative_to(EXEMPT))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def long_modules() -> list[str]:
    found = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{_name(path)}: {lines} lines")
    return found


def long_functions() -> list[str]:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{_name(path)}:{node.lineno} {node.name}: {length} lines")
    return found


def test_the_checked_trees_exist():
    assert all(top.is_dir() for top in CHECKED)
    assert len(_modules()) > 100


def test_no_module_over_600_lines():
    offenders = long_modules()
    print("\n".join(offenders))
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(offenders)


def test_no_function_over_60_lines():
    offenders = long_functions()
    print("\n".join(offenders))
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(offenders)
