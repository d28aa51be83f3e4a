"""How many processes `pledge serve` starts: one per CPU on PostgreSQL unless told, one on
SQLite (so `make serve` and `make demo` keep working), never fewer than one, and never more than
one on SQLite."""

from __future__ import annotations

import os

import pytest
import typer

from pledge.cli.main import worker_count
from pledge.config import Settings

POSTGRES = Settings(database_url="postgresql+psycopg://pledge@127.0.0.1/pledge")


def test_the_default_is_one_per_cpu_on_postgresql_and_one_on_sqlite(tmp_path):
    assert worker_count(POSTGRES, None) == (os.cpu_count() or 1)
    assert worker_count(Settings(var_dir=tmp_path), None) == 1
    assert worker_count(POSTGRES, 3) == 3
    assert worker_count(Settings(var_dir=tmp_path), 1) == 1


@pytest.mark.parametrize("asked", [0, -2])
def test_fewer_than_one_process_is_refused(asked):
    with pytest.raises(typer.Exit):
        worker_count(POSTGRES, asked)


def test_several_processes_on_sqlite_are_refused(tmp_path):
    with pytest.raises(typer.Exit):
        worker_count(Settings(var_dir=tmp_path), 2)
