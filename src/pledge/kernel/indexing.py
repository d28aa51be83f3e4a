"""The index port: writers of searchable content (catalog's shops and products, short videos)
say what they changed, in their own transaction, and whoever indexes it (pledge.search, wired
once by bootstrap.build) brings its documents up to date in that same transaction. The writers
do not know who listens; with nobody wired (a bare script) nothing is indexed and
`pledge search reindex` rebuilds everything.

A registry rather than an argument: products are written from a dozen places (pages, API,
demo seed, trust & safety, wish offers, blind boxes, tests) and a forgotten argument would leave
the index silently stale; bootstrap wires the one indexer once."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from sqlalchemy.engine import Connection


class Indexed(StrEnum):
    PRODUCT = "product"
    SHOP = "shop"
    VIDEO = "video"


class Indexer(Protocol):
    def changed(self, conn: Connection, kind: Indexed, ids: Iterable[int]) -> None: ...


_wired: list[Indexer] = []


def wire(indexer: Indexer) -> None:
    """Make `indexer` the one that hears every change from now on (bootstrap.build)."""
    _wired[:] = [indexer]


def changed(conn: Connection, kind: Indexed, ids: Iterable[int]) -> None:
    """Tell the wired indexer that these items changed (created, edited, listed or taken down)."""
    ids = list(ids)
    for indexer in _wired:
        indexer.changed(conn, kind, ids)
