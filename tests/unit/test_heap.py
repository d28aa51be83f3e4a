"""kernel.heap: a long-running process collects once, then freezes what start-up built, so the
collector's full passes stop walking it (issue 19); `pledge worker`, `pledge serve` and each
process of `pledge serve --workers N` do so before their work begins."""

from __future__ import annotations

import gc
import weakref

import pytest
from typer.testing import CliRunner

from pledge.cli.main import app as cli
from pledge.kernel.heap import freeze_startup_objects
from tests.e2e.test_cli import SECRETS


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # frozen objects are never collected: give the rest of the suite its heap back


def test_garbage_is_collected_first_and_only_the_living_are_frozen(unfrozen):
    garbage, living = Node(), Node()
    gone = weakref.ref(garbage)
    del garbage
    frozen = freeze_startup_objects()
    tracked = {id(o) for o in gc.get_objects()}
    assert gone() is None  # collected, not frozen for ever
    assert frozen == gc.get_freeze_count() > 0
    assert id(living) not in tracked  # frozen objects are out of the collector's sight
    later = Node()
    assert id(later) in {id(o) for o in gc.get_objects()}  # what comes after is collected as ever


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PLEDGE_VAR_DIR", str(tmp_path))
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def test_the_worker_freezes_its_startup_objects_before_its_passes(unfrozen, environment, monkeypatch):
    seen = []
    monkeypatch.setattr("pledge.worker.run_forever", lambda *_: seen.append(gc.get_freeze_count()))
    result = CliRunner().invoke(cli, ["worker"])
    assert result.exit_code == 0, result.output
    assert len(seen) == 1 and seen[0] > 0


def test_serve_freezes_its_startup_objects_before_it_serves(unfrozen, environment, monkeypatch):
    seen = []
    monkeypatch.setattr("uvicorn.run", lambda *_, **__: seen.append(gc.get_freeze_count()))
    result = CliRunner().invoke(cli, ["serve", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(seen) == 1 and seen[0] > 0


def test_each_process_of_serve_workers_freezes_its_app(unfrozen, environment):
    from pledge.web.app import from_environment

    assert gc.get_freeze_count() == 0
    web = from_environment()
    assert gc.get_freeze_count() > 0
    web.state.pledge.uow.engine.dispose()
