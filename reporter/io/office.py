"""Converting documents with headless LibreOffice (.doc/.wps to .docx, .docx to .pdf): the one place it is run."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path


class OfficeError(Exception):
    """LibreOffice is installed but the conversion failed (it exited with an error, timed out or could not start)."""


def find_office() -> str | None:
    """The LibreOffice executable (``soffice`` or ``libreoffice`` on the PATH), or ``None`` when not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_office(sources: Sequence[Path], target: str, folder: Path, *, timeout: float) -> list[Path] | None:
    """Convert ``sources`` to ``target`` (``"docx"``, ``"pdf"`` …) into ``folder`` with headless LibreOffice.

    Runs with a private, temporary user profile, so that it works while the user has LibreOffice open. Returns the
    converted files that exist (``<stem>.<target>`` in ``folder``, in the order of ``sources``), or ``None`` when
    LibreOffice is not installed. Raises ``OfficeError`` when the conversion fails or exceeds ``timeout`` seconds.
    """
    soffice = find_office()
    if soffice is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reporter-lo-", ignore_cleanup_errors=True) as profile:
        try:
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
                    "--headless",
                    "--convert-to",
                    target,
                    "--outdir",
                    str(folder),
                    *map(str, sources),
                ],
                capture_output=True,
                timeout=timeout,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise OfficeError(str(exc)) from exc
    extension = target.split(":", 1)[0]
    converted = [folder / f"{source.stem}.{extension}" for source in sources]
    return [path for path in converted if path.exists()]
