"""`pledge import history`: a file goes in whole or not at all; every bad row is named."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pledge.history.csvfile import HistoryRejected, parse_rows
from pledge.history.services import import_history
from pledge.history.tables import history_imports, history_orders
from pledge.kernel.errors import Conflict

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "order-history.csv"
MALFORMED = """order_id,shop_id,paid_at,amount_paid,promise
a1,s1,2026-09-01T10:00:00,10.00,48h
a2,s1,2026-09-01 25:00,10.00,48h
a3,s1,2026-09-01T10:00:00,-1.00,48h
a1,s1,2026-09-01T10:00:00,10.00,48h
"""


def parsed(text: str, **kw):
    reader = csv.DictReader(io.StringIO(text))
    return parse_rows(reader, list(reader.fieldnames), "Asia/Shanghai", **kw)


def count(app) -> tuple[int, int]:
    with app.uow.read() as c:
        return (
            c.execute(select(func.count()).select_from(history_imports)).scalar(),
            c.execute(select(func.count()).select_from(history_orders)).scalar(),
        )


def test_a_good_file_is_imported_whole_and_not_twice(app, clock):
    orders, _ = parsed(EXAMPLE.read_text(encoding="utf-8"))
    with app.uow.begin() as c:
        import_history(c, orders, filename="order-history.csv", skipped=0, at=clock.now())
    assert count(app) == (1, 5)
    with app.uow.read() as c:
        row = c.execute(select(history_orders).where(history_orders.c.order_id == "A1002")).one()
    assert (row.shop_id, row.paid_fen, row.review_score, row.after_sale) == ("xiaoaruan", 15000, 3, "quality")
    with pytest.raises(Conflict, match="imported before"):
        with app.uow.begin() as c:
            import_history(c, orders, filename="again.csv", skipped=0, at=clock.now())
    assert count(app) == (1, 5)


def test_a_malformed_file_names_every_bad_row_and_writes_nothing(app):
    with pytest.raises(HistoryRejected) as info:
        parsed(MALFORMED)
    assert [e.row for e in info.value.errors] == [3, 4, 5]
    assert (
        "paid_at" in info.value.errors[0].reason
        and "amount" in info.value.errors[1].reason
        and "duplicate order_id" in info.value.errors[2].reason
    )
    assert count(app) == (0, 0)


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PLEDGE_VAR_DIR=str(tmp_path / "var"), PLEDGE_DATABASE_URL="")
    exe = str(Path(sys.executable).with_name("pledge"))
    subprocess.run([exe, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=120)


def test_cli_refuses_a_bad_file_then_skips_bad_rows_when_asked(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(MALFORMED, encoding="utf-8")
    refused = run_cli(tmp_path, "import", "history", str(bad))
    assert refused.returncode == 2 and "row 3" in refused.stderr and "row 5" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = run_cli(tmp_path, "import", "history", str(bad), "--skip-bad-rows")
    assert done.returncode == 0, done.stderr
    assert "1 orders imported, 3 bad rows skipped" in done.stdout and "skipped row 4" in done.stderr
    missing_column = tmp_path / "nocol.csv"
    missing_column.write_text("order_id,shop_id,paid_at\nx,s,2026-09-01T10:00:00\n", encoding="utf-8")
    refused = run_cli(tmp_path, "import", "history", str(missing_column))
    assert refused.returncode == 2 and "amount_paid" in refused.stderr
