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


class LockedError(WorkspaceError):
    """Another reporter command holds the workspace."""


_OS_REMEDIES = {
    "ENOSPC": "磁盘空间不足，请清理磁盘后重试",
    "EDQUOT": "磁盘配额已用完，请清理后重试",
    "EROFS": "所在磁盘或文件夹是只读的，请把工作区放到可写的位置",
    "EACCES": "没有写入权限（文件夹只读，或文件正被 Excel/WPS/Word 打开），请检查权限或关闭文件后重试",
    "EPERM": "没有写入权限（文件夹只读，或文件正被 Excel/WPS/Word 打开），请检查权限或关闭文件后重试",
    "ENAMETOOLONG": "路径过长，请把工作区放到较短的路径下（如 D:\\督查）",
    "ENOENT": "文件或文件夹不存在",
    "EIO": "磁盘读写出错，请检查磁盘或网络共享后重试",
}


def os_error_message(exc: OSError, path: object = None) -> str:
    """One Chinese line naming the file and what to do, for an operating-system error (disk full, read-only
    folder, no permission, path too long …)."""
    import errno  # the standard library's names of error numbers; no I/O

    name = errno.errorcode.get(exc.errno or 0, "")
    if getattr(exc, "winerror", None) == 206:  # Windows: the file name or extension is too long
        name = "ENAMETOOLONG"
    target = path or exc.filename or ""
    remedy = _OS_REMEDIES.get(name) or (exc.strerror or str(exc))
    return f"无法写入 {target}：{remedy}" if target else f"文件操作失败：{remedy}"


def template_refusal(name: str, exc: Exception, *, offers: str, outcome: str) -> str:
    """The message for a template the Jinja sandbox refused (it reached for Python's internals, or asked for a huge
    range): ``offers`` names what the template may use (报告/邮件), ``outcome`` what was not done."""
    detail = str(exc).rstrip(".")
    return (
        f"模板 {name} 含有不允许的写法（{detail}），为安全起见{outcome}。"
        f"模板中只能使用{offers}提供的变量和 Jinja 过滤器，不能访问 Python 的内部属性或函数；"
        "请修改模板，或删除后重新运行以生成默认模板"
    )
