"""bench.statement_replay, the floor under the late-ship sweep on SQLite (issue 19): what the driver
was handed is replayed on a copy with the same result, and a replay that wrote less is told."""

from __future__ import annotations

import shutil

from sqlalchemy import text

from bench.statement_replay import differences, recording, replay
from pledge.kernel.db import make_engine


def test_a_replayed_run_writes_what_the_run_wrote_and_a_short_one_is_told(tmp_path):
    url = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    engine.dispose()  # checkpoints the WAL, so the file alone is the database
    for copy in ("whole", "short"):
        shutil.copyfile(tmp_path / "run.sqlite3", tmp_path / f"{copy}.sqlite3")
    engine = make_engine(url)
    with recording(engine) as log:
        with engine.begin() as c:
            c.exec_driver_sql("INSERT INTO t (v) VALUES (?)", [(f"向日葵{i}",) for i in range(50)])
            c.execute(text("UPDATE t SET v = :v WHERE id = 7"), {"v": "七"})
        with engine.begin() as c:
            c.exec_driver_sql("INSERT INTO t (v) VALUES ('last')")
    engine.dispose()
    assert [step[0] for step in log].count("COMMIT") == 2

    replay(f"sqlite:///{tmp_path / 'whole.sqlite3'}", log)
    assert differences(url, f"sqlite:///{tmp_path / 'whole.sqlite3'}", ["t"]) == {}
    replayed = make_engine(f"sqlite:///{tmp_path / 'whole.sqlite3'}")
    with replayed.connect() as c:
        assert c.exec_driver_sql("SELECT v FROM t WHERE id = 7").scalar() == "七"
    replayed.dispose()

    replay(f"sqlite:///{tmp_path / 'short.sqlite3'}", log[:-3])  # without the second transaction
    assert differences(url, f"sqlite:///{tmp_path / 'short.sqlite3'}", ["t"]) == {"t": ((51, 51), (50, 50))}
