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
