"""One exception tree; the CLI turns every ``ReporterError`` into one Chinese line."""

from __future__ import annotations


class ReporterError(Exception):
    """Base of every error the toolkit raises on purpose; ``str()`` is a message for the user."""


class WorkspaceError(ReporterError):
    """The workspace is missing, or its ``reporter.toml`` is unreadable or invalid."""


class ConfigError(WorkspaceError, ValueError):
    """A value in ``reporter.toml`` is wrong."""


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
