"""The import contracts of pyproject.toml ([tool.importlinter]) hold: every package imports
only the layers below it (kernel < rulebooks < domain packages in their order < bootstrap <
worker < web, demo < cli), there is no package cycle, and only web and cli import the web and
command-line frameworks. `make test` runs `lint-imports` too; this makes a plain pytest run
catch an upward import as well."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


@contextmanager
def loggers_kept() -> Iterator[None]:
    """lint_imports configures logging with dictConfig, whose default disables every logger that
    exists: in this worker process, pledge's own. A later test in the same process that expects a
    warning (test_waybill_takeover) then saw none. Put their state back."""
    existing = {
        name: logger.disabled
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        for name, disabled in existing.items():
            logging.getLogger(name).disabled = disabled


def test_imports_point_down_and_frameworks_stay_at_the_edge():
    with loggers_kept():
        assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_checking_the_imports_leaves_the_applications_loggers_working():
    webhook_log = logging.getLogger("pledge.logistics.webhook")
    with loggers_kept():
        lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    assert not webhook_log.disabled


def test_layers_contract_lists_every_package_of_pledge():
    """`exhaustive` makes lint-imports refuse a new package left out of the layers, so a new
    domain must be given its place; the promise lies below catalog and orders."""
    layers = next(c for c in contracts() if c["id"] == "layers")
    assert layers["exhaustive"] is True
    order = [name.strip() for layer in layers["layers"] for name in layer.split("|")]
    assert order.index("promises") > order.index("catalog") > order.index("orders")
    assert order.index("orders") > order.index("compensation") > order.index("lateship")
    assert order.index("compensation") > order.index("logistics")


def test_the_architecture_map_shows_the_layers_of_pyproject_in_their_order():
    """docs/architecture.md draws the layers; a package added to pyproject but not to the map
    (or drawn in another order) makes the map lie to the next reader."""
    layers = next(c for c in contracts() if c["id"] == "layers")["layers"]
    doc = (PYPROJECT.parent / "docs" / "architecture.md").read_text()
    block = doc.split("```")[1]
    drawn = [line.split("  ")[0].strip() for line in block.splitlines() if line and not line.startswith(" ")]
    assert drawn == [" | ".join(n.strip() for n in layer.split("|")) for layer in layers]
