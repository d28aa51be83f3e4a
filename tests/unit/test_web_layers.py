"""The web layer only translates: pages never reach into the API package (what both need lives
in a web module they share), and templates never compare a status with a string literal (they
use the entity's enum from its model.py, so a renamed status fails loudly)."""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

import pledge.web.pages

PAGES = Path(next(iter(pledge.web.pages.__path__)))
TEMPLATES = resources.files("pledge.web") / "templates"
STATUS_LITERAL = re.compile(
    r"""status\s*(?:==|!=)\s*['"]|['"]\s*(?:==|!=)\s*\w+\.status\b|status\s+(?:not\s+)?in\s*[(\[]\s*['"]"""
)


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_pages_never_import_the_api_package() -> None:
    offenders = {
        path.name: sorted(m for m in _imported_modules(path) if m.startswith("pledge.web.api"))
        for path in sorted(PAGES.glob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_templates_compare_statuses_with_enums_not_string_literals() -> None:
    offenders = []
    for template in sorted(TEMPLATES.iterdir(), key=lambda t: t.name):
        if not template.name.endswith(".html"):
            continue
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if STATUS_LITERAL.search(line):
                offenders.append(f"{template.name}:{number}: {line.strip()}")
    assert offenders == []


def test_the_scan_recognises_a_status_literal() -> None:
    for line in (
        "{% if order.status == 'paid' %}",
        '{% if o.status != "paid" %}',
        "{% if case.status in ('approved', 'refunded') %}",
        "{% if 'paid' == order.status %}",
    ):
        assert STATUS_LITERAL.search(line), line
    assert not STATUS_LITERAL.search("{% if order.status == OrderStatus.PAID %}")
