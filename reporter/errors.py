"""One exception tree; the CLI turns every ``ReporterError`` into one Chinese line."""

from __future__ import annotations


class ReporterError(Exception):
    """Base of every error the toolkit raises on purpose; ``str()`` is a message for the user."""


class WorkspaceError(ReporterError):
    """The workspace is missing, or its ``reporter.toml`` is unreadable or invalid."""


class ConfigError(WorkspaceError, ValueError):
    """A value in ``reporter.toml`` is wrong."""


class UnknownKeyError(ConfigError):
    """``reporter.toml`` has a key no table knows (often a typo); ``suggestion`` is the closest known key or ``""``."""

    def __init__(self, message: str, *, table: str, key: str, suggestion: str) -> None:
        super().__init__(message)
        self.table = table
        self.key = key
        self.suggestion = suggestion


class SourceError(ReporterError, ValueError):
    """A notice file cannot be read as text at all (missing, empty, undecodable, unsupported)."""


class NoticeError(ReporterError, ValueError):
    """A notice was read but holds no tasks that could be recognised."""


class StoreError(ReporterError):
    """The workspace store cannot be opened, migrated or written."""


class OutputError(ReporterError, OSError):
    """A generated file cannot be written (locked by Excel, disk full, no permission)."""


class TemplateError(ReporterError):
    """A Word template is missing, unreadable, or uses a variable the report does not provide."""


class MailError(ReporterError):
    """A mail template or server setting cannot be used."""
