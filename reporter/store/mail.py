"""E-mail in the store: messages sent to units, and messages and files taken from the mailbox."""

from __future__ import annotations

from reporter.model import FetchedRecord, MailLogEntry, MessageHeaders
from reporter.store.database import Database, now


class MailTables(Database):
    """The mail_log, fetched_messages and fetched_files tables."""

    def log_mail(
        self,
        period: str,
        unit: str,
        kind: str,
        recipients: list[str],
        message_id: str,
        status: str,
        sha256: str,
        detail: str,
    ) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO mail_log (period, unit, kind, recipients, message_id, status, attachment_sha256, detail, at)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (period, unit, kind, ", ".join(recipients), message_id, status, sha256, detail, now()),
            )

    def message_token(self) -> str:
        """This store's own token for the Message-IDs it sets (made when the store was created or migrated)."""
        row = self.conn.execute("SELECT value FROM mail_meta WHERE key = 'message_token'").fetchone()
        return str(row[0])

    def next_attempt(self, period: str, unit: str, kind: str) -> int:
        row = self.conn.execute(
            "SELECT count(*), max(attempt) FROM mail_log WHERE period = ? AND unit = ? AND kind = ?",
            (period, unit, kind),
        ).fetchone()
        return max(int(row[0]), int(row[1] or 0)) + 1

    def intend_mail(
        self,
        period: str,
        unit: str,
        kind: str,
        recipients: list[str],
        message_id: str,
        sha256: str,
        attempt: int,
    ) -> int:
        """Record, before it is handed to the server, a message about to be sent (status ``pending``); its row id."""
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO mail_log (period, unit, kind, recipients, message_id, status, attachment_sha256, detail,"
                " at, attempt) VALUES (?,?,?,?,?,'pending',?,'',?,?)",
                (period, unit, kind, ", ".join(recipients), message_id, sha256, now(), attempt),
            )
        return int(cursor.lastrowid or 0)

    def answer_mail(self, row_id: int, status: str, recipients: list[str], detail: str) -> None:
        """Record the server's answer to a message recorded by ``intend_mail`` (or what became of it)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE mail_log SET status = ?, recipients = ?, detail = ?, at = ? WHERE id = ?",
                (status, ", ".join(recipients), detail, now(), row_id),
            )

    def mail_log(self, period: str | None = None, kind: str | None = None) -> list[MailLogEntry]:
        clauses, params = [], []
        if period:
            clauses.append("period = ?")
            params.append(period)
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [
            MailLogEntry(
                id=r["id"],
                period=r["period"],
                unit=r["unit"],
                kind=r["kind"],
                recipients=r["recipients"],
                message_id=r["message_id"],
                status=r["status"],
                attachment_sha256=r["attachment_sha256"],
                detail=r["detail"],
                at=r["at"],
                attempt=r["attempt"],
            )
            for r in self.conn.execute(f"SELECT * FROM mail_log{where} ORDER BY id", params)
        ]

    def was_sent(self, period: str, unit: str, kind: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM mail_log WHERE period = ? AND unit = ? AND kind = ? AND status = 'sent' LIMIT 1",
            (period, unit, kind),
        ).fetchone()
        return row is not None

    def message_fetched(self, message_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM fetched_messages WHERE message_id = ?", (message_id,)).fetchone()
        return row is not None

    def save_fetched(self, headers: MessageHeaders, period: str, files: list[tuple[str, str]]) -> None:
        """Record a processed message and the files ``(sha256, name)`` taken from it, in one transaction."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO fetched_messages (message_id, sender, subject, received_at, period, fetched_at)"
                " VALUES (?,?,?,?,?,?)",
                (headers.message_id, headers.sender, headers.subject, headers.received_at, period, now()),
            )
            self.conn.executemany(
                "INSERT OR IGNORE INTO fetched_files (sha256, message_id, sender, file_name, received_at, period)"
                " VALUES (?,?,?,?,?,?)",
                [(sha, headers.message_id, headers.sender, name, headers.received_at, period) for sha, name in files],
            )

    def fetched_file(self, sha256: str) -> FetchedRecord | None:
        row = self.conn.execute("SELECT * FROM fetched_files WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            return None
        return FetchedRecord(
            row["sha256"], row["message_id"], row["sender"], row["file_name"], row["received_at"], row["period"]
        )

    def fetched_hashes(self) -> set[str]:
        hashes = {r[0] for r in self.conn.execute("SELECT sha256 FROM fetched_files")}
        return hashes | {r[0] for r in self.conn.execute("SELECT sha256 FROM returns")}
