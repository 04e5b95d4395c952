"""The store's schema: one SQL script per migration, applied in order (``PRAGMA user_version`` counts them)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: notices, tasks, their units and history
    """
    CREATE TABLE notices (
        code TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        issuer TEXT NOT NULL,
        doc_number TEXT NOT NULL,
        date TEXT NOT NULL,
        year INTEGER,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        digest TEXT NOT NULL,
        parts_json TEXT NOT NULL,
        warnings_json TEXT NOT NULL,
        parsed_at TEXT NOT NULL
    );
    CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        notice_code TEXT NOT NULL REFERENCES notices(code),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        part TEXT NOT NULL,
        section TEXT NOT NULL,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        data_json TEXT NOT NULL,
        digest TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX tasks_notice ON tasks(notice_code, seq);
    CREATE TABLE task_units (
        task_id TEXT NOT NULL REFERENCES tasks(id),
        unit TEXT NOT NULL,
        role TEXT NOT NULL,
        via TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (task_id, unit, role)
    );
    CREATE INDEX task_units_unit ON task_units(unit);
    CREATE TABLE task_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL,
        notice_code TEXT NOT NULL,
        change TEXT NOT NULL,
        detail TEXT NOT NULL,
        before_json TEXT,
        after_json TEXT,
        at TEXT NOT NULL
    );
    """,
    # 2: reporting periods, forms sent, returned forms and their answers
    """
    CREATE TABLE periods (
        key TEXT PRIMARY KEY,
        due TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE forms (
        unit TEXT NOT NULL,
        period TEXT NOT NULL,
        file TEXT NOT NULL,
        version INTEGER NOT NULL,
        task_ids_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (unit, period)
    );
    CREATE TABLE returns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sha256 TEXT NOT NULL UNIQUE,
        period TEXT NOT NULL,
        unit TEXT NOT NULL,
        file_name TEXT NOT NULL,
        archive TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        form_version INTEGER NOT NULL,
        reporter TEXT NOT NULL,
        phone TEXT NOT NULL,
        sender TEXT NOT NULL DEFAULT '',
        current INTEGER NOT NULL DEFAULT 0,
        problems_json TEXT NOT NULL
    );
    CREATE INDEX returns_unit_period ON returns(unit, period);
    CREATE TABLE answers (
        return_id INTEGER NOT NULL REFERENCES returns(id),
        task_id TEXT NOT NULL,
        role TEXT NOT NULL,
        progress TEXT NOT NULL,
        percent REAL,
        status TEXT NOT NULL,
        problems TEXT NOT NULL,
        plan TEXT NOT NULL,
        evidence TEXT NOT NULL,
        reporter TEXT NOT NULL,
        phone TEXT NOT NULL,
        PRIMARY KEY (return_id, task_id)
    );
    CREATE INDEX answers_task ON answers(task_id);
    CREATE TABLE indicator_answers (
        return_id INTEGER NOT NULL REFERENCES returns(id),
        task_id TEXT NOT NULL,
        row INTEGER NOT NULL,
        district TEXT NOT NULL,
        indicator TEXT NOT NULL,
        unit TEXT NOT NULL,
        target REAL,
        completed REAL,
        note TEXT NOT NULL,
        PRIMARY KEY (return_id, task_id, row)
    );
    """,
    # 3: e-mail sent to units, and messages and files taken from the mailbox
    """
    CREATE TABLE mail_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        period TEXT NOT NULL,
        unit TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipients TEXT NOT NULL,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attachment_sha256 TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX mail_log_unit ON mail_log(period, unit, kind);
    CREATE TABLE fetched_messages (
        message_id TEXT PRIMARY KEY,
        sender TEXT NOT NULL,
        subject TEXT NOT NULL,
        received_at TEXT NOT NULL,
        period TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE fetched_files (
        sha256 TEXT PRIMARY KEY,
        message_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        file_name TEXT NOT NULL,
        received_at TEXT NOT NULL,
        period TEXT NOT NULL
    );
    """,
    # 4: what the office changed in the ledger (台账): definition edits, tasks it added, progress it corrected,
    # cells it typed that could not be applied, and the cells the last ledger showed (to tell edits apart)
    """
    CREATE TABLE office_edits (
        task_id TEXT NOT NULL,
        field TEXT NOT NULL,
        cell TEXT NOT NULL,
        value_json TEXT NOT NULL,
        parsed_json TEXT NOT NULL,
        conflict_json TEXT,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (task_id, field)
    );
    CREATE TABLE office_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        period TEXT NOT NULL,
        task_id TEXT NOT NULL,
        unit TEXT NOT NULL,
        progress TEXT NOT NULL,
        percent REAL,
        status TEXT NOT NULL,
        problems TEXT NOT NULL,
        plan TEXT NOT NULL,
        source TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX office_answers_period ON office_answers(period, task_id);
    CREATE TABLE ledger_cells (
        sheet TEXT NOT NULL,
        task_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (sheet, task_id, field)
    );
    CREATE TABLE ledger_pending (
        sheet TEXT NOT NULL,
        task_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        message TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (sheet, task_id, field)
    );
    CREATE TABLE ledger_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 5: unit names the office merged into another in the ledger's 责任单位 sheet
    """
    CREATE TABLE office_aliases (
        name TEXT PRIMARY KEY,
        canonical TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 6: districts and zones found in the notices, proposed to the office and confirmed (or not) in the ledger
    """
    CREATE TABLE districts (
        unit TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        short TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 7: indexes for the queries of a period (returns and their answers by period), and what each notice file was
    # parsed from (its bytes, the workspace's settings, the parser), so that an unchanged notice is not parsed again
    """
    CREATE INDEX returns_period_current ON returns(period, current);
    CREATE INDEX answers_return ON answers(return_id);
    CREATE INDEX indicator_answers_return ON indicator_answers(return_id);
    CREATE TABLE notice_inputs (
        source TEXT PRIMARY KEY,
        input_key TEXT NOT NULL,
        code TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 8: mail exactly once. A message is recorded before it is handed to the server (status 'pending', with the
    # Message-ID set on it and the attempt it is for this unit, period and kind) and updated with the server's answer;
    # a token of this store's own makes its Message-IDs unlike those of any other workspace
    """
    ALTER TABLE mail_log ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX mail_log_message ON mail_log(message_id);
    CREATE TABLE mail_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    INSERT INTO mail_meta (key, value) VALUES ('message_token', lower(hex(randomblob(8))));
    """,
    # 9: when each return reached the office (the mail's date, or the file's time in the returns folder): the one
    # that arrived last is current, not the one whose workbook claims the latest saved time
    """
    ALTER TABLE returns ADD COLUMN arrived_at TEXT NOT NULL DEFAULT '';
    UPDATE returns SET arrived_at = received_at;
    """,
    # 10: returns sent back (退回): a file of a known unit refused whole, with the reason, so that the unit shows as
    # 已退回 rather than 未报送 until a good return arrives, and a refused file its unit has since replaced is not
    # listed again
    """
    CREATE TABLE send_backs (
        sha256 TEXT PRIMARY KEY,
        period TEXT NOT NULL,
        unit TEXT NOT NULL,
        file_name TEXT NOT NULL,
        reason TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX send_backs_period ON send_backs(period, unit);
    """,
    # 11: units the office sends no form (类型 不发表 in the ledger's 责任单位 sheet: a party committee, the military
    # sub-district … named in a government notice but not tasked by the government office)
    """
    CREATE TABLE no_form_units (
        unit TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 12: no index the primary keys already give: answers and indicator answers are found by their return through
    # the primary key's first column, and none is looked up by task alone; every index costs each of the 40,000
    # answers a province's month inserts (half the time of inserting them)
    """
    DROP INDEX IF EXISTS answers_return;
    DROP INDEX IF EXISTS indicator_answers_return;
    DROP INDEX IF EXISTS answers_task;
    """,
    # 13: what the last ledger showed in its editable cells, one JSON document per sheet: a province's 135,000
    # cells written as rows, each into the primary key's index, were most of the time of saving them; the rows of
    # ledger_cells (a store from before) are read until the next ledger is written, which empties that table
    """
    CREATE TABLE ledger_shown (
        sheet TEXT PRIMARY KEY,
        cells_json TEXT NOT NULL
    );
    """,
]
