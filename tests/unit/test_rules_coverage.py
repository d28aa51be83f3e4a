"""docs/rules-coverage.md is generated from the rulebook and stays current; every clause that
claims an official source names a rule the reference set lists."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pledge.rulebooks.coverage import DEFAULT, SECONDARY, SOURCED, render_markdown, status_of
from pledge.rulebooks.loader import Clause, load

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "platform-rules" / "douyin"


def test_rules_coverage_doc_is_generated_from_the_current_rulebook():
    doc = (ROOT / "docs" / "rules-coverage.md").read_text(encoding="utf-8")
    assert doc == render_markdown(load("douyin")), (
        "docs/rules-coverage.md is stale: run `pledge rulebook coverage --rulebook douyin --write`"
    )


def test_every_clause_appears_once_with_its_status():
    book = load("douyin")
    doc = render_markdown(book)
    for clause in book.clauses:
        assert (
            f"| `{clause.id}` | {clause.kind} | {clause.effective.isoformat()} | {clause.source} | "
            f"{status_of(clause)} |" in doc
        )


@pytest.mark.parametrize(
    "source, status",
    [
        ("douyin:aJoPPkWZ7VQM", SOURCED),
        ("pledge:default", DEFAULT),
        ("rules-md:1.abnormal-tracking", SECONDARY),
    ],
)
def test_status_follows_the_source(source, status):
    assert status_of(Clause("x", "k", date(2026, 1, 1), source, "t", "t")) == status


def test_sourced_clauses_cite_rules_the_reference_set_lists():
    index = REFERENCE / "INDEX.md"
    if not index.exists():
        pytest.skip(f"the platform-rule reference set is not beside this checkout ({index})")
    listed = set(re.findall(r"— id (\w+) —", index.read_text(encoding="utf-8")))
    listed |= {p.stem.removeprefix("rule-") for p in REFERENCE.glob("rule*/*.txt")}
    cited = {c.source.split(":", 1)[1] for c in load("douyin").clauses if c.source.startswith("douyin:")}
    assert cited, "the douyin book cites no official rule"
    assert not cited - listed, f"clauses cite rules the reference set does not have: {sorted(cited - listed)}"


def test_a_not_modelled_entry_without_its_reason_is_refused():
    from pledge.kernel.errors import InvalidInput
    from pledge.rulebooks.loader import _parse

    head = '[rulebook]\nname = "x"\nversion = "1"\ntitle = "x"\n'
    with pytest.raises(InvalidInput, match="source, title and why"):
        _parse(head, "x.toml", (("x.coverage.toml", '[[not_modelled]]\nsource = "douyin:1"\ntitle = "t"\n'),))
    book = _parse(
        head,
        "x.toml",
        (("x.coverage.toml", '[[not_modelled]]\nsource = "douyin:1"\ntitle = "t"\nwhy = "w"\n'),),
    )
    assert book.not_modelled == ({"source": "douyin:1", "title": "t", "why": "w"},)
    assert "| douyin:1 | t | w |" in render_markdown(book)
