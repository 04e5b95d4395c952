"""Saving a parsed notice: the digests that tell an unchanged notice from a revised one, and the history."""

from __future__ import annotations

import json

from reporter.store import Store
from reporter.store.database import content_digest
from reporter.store.notices import _task_definition


def test_digests_are_content_digests_of_the_definitions(tmp_path, notices):
    """The notice's and each task's digest are ``content_digest`` of what matters in them, however they are worked
    out: a store saved by an earlier version finds a notice parsed the same way unchanged."""
    notice = notices["2021"]
    data = notice.to_dict()
    with Store(tmp_path / "store.sqlite3") as store:
        assert store.save_notice(notice, "sha").status == "new"
        stored = store.conn.execute("SELECT digest FROM notices WHERE code = ?", ("2021",)).fetchone()[0]
        definitions = [_task_definition(t) for t in data["tasks"]]
        assert stored == content_digest({"notice": data["notice"], "tasks": definitions})
        rows = store.conn.execute("SELECT id, digest, data_json FROM tasks ORDER BY seq").fetchall()
        assert [row["id"] for row in rows] == [t.id for t in notice.tasks]
        assert [row["digest"] for row in rows] == [content_digest(d) for d in definitions]
        assert [json.loads(row["data_json"]) for row in rows] == data["tasks"]
        assert [(h.task_id, h.change, h.after) for h in store.history()] == [
            (t.id, "added", d) for t, d in zip(notice.tasks, definitions, strict=True)
        ]
        assert store.save_notice(notice, "sha").status == "unchanged"


def test_units_stored_by_role(tmp_path, notices):
    notice = notices["2019"]
    with Store(tmp_path / "store.sqlite3") as store:
        store.save_notice(notice)
        stored = sorted((u.task_id, u.unit, u.role, u.via) for u in store.task_units())
    expected = sorted((t.id, unit, role, via) for t in notice.tasks for unit, role, via in t.units_by_role())
    assert stored == expected
