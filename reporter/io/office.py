"""Converting documents with headless LibreOffice (.doc/.wps to .docx, .docx to .pdf): the one place it is run.

Before converting to PDF, the official-document fonts the briefs use (仿宋_GB2312, 方正小标宋简体 …) are looked up with
fontconfig; missing ones are mapped to the closest installed face of the same kind (serif, kai, hei) through a private
``fonts.conf``, because LibreOffice would otherwise silently fall back to a Japanese sans face.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Literal

from reporter.errors import ConfigError

FontKind = Literal["serif", "kai", "hei"]

SERIF_FACES = (
    "FangSong",
    "仿宋",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "思源宋体",
    "AR PL UMing CN",
    "SimSun",
    "宋体",
)
KAI_FACES = ("KaiTi", "楷体", "AR PL UKai CN", "AR PL KaitiM GB")
HEI_FACES = ("SimHei", "黑体", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")

# Installed faces to try, in order, for each kind of missing font; a sans face only when no serif one is installed.
CANDIDATES: dict[FontKind, tuple[str, ...]] = {
    "serif": SERIF_FACES + HEI_FACES,
    "kai": KAI_FACES + SERIF_FACES + HEI_FACES,
    "hei": HEI_FACES + SERIF_FACES,
}

SYSTEM_FONT_CONFIG = "/etc/fonts/fonts.conf"
FONTCONFIG_TIMEOUT = 60  # seconds; the first run may have to build the font cache


class OfficeError(Exception):
    """LibreOffice is installed but the conversion failed (it exited with an error, timed out or could not start)."""


@dataclass(frozen=True)
class FontSubstitution:
    """A font the document wants that is not installed, and the installed face used for it instead."""

    wanted: str
    used: str


OFFICE_VARIABLE = "REPORTER_SOFFICE"


def office_candidates(environ: Mapping[str, str], windows: bool) -> list[Path]:
    """Where LibreOffice is usually installed when it is not on the PATH: on Windows under Program Files (the
    installer does not add it to the PATH), on macOS in Applications, on Linux under /opt (the vendor's packages)
    and /usr/lib (the distribution's)."""
    if windows:
        roots = [environ.get(v) for v in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)", "LOCALAPPDATA")]
        folders = [Path(r) / "LibreOffice" / "program" for r in dict.fromkeys(filter(None, roots))]
        return [f / "soffice.exe" for f in folders]
    found = [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    found += sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True)  # the newest first
    return [*found, Path("/usr/lib/libreoffice/program/soffice"), Path("/snap/bin/libreoffice")]


def find_office(environ: Mapping[str, str] | None = None, windows: bool | None = None) -> str | None:
    """The LibreOffice executable: the one ``REPORTER_SOFFICE`` names, else ``soffice``/``libreoffice`` on the PATH,
    else the first found in the usual install folders; ``None`` when it is not installed. Raises ``ConfigError``
    when ``REPORTER_SOFFICE`` names no file (said rather than silently ignored)."""
    environ = os.environ if environ is None else environ
    windows = os.name == "nt" if windows is None else windows
    named = environ.get(OFFICE_VARIABLE, "").strip().strip('"')
    if named:
        path = Path(named)
        if path.is_dir():  # the program folder rather than the program
            path = path / ("soffice.exe" if windows else "soffice")
        if not path.is_file():
            raise ConfigError(
                f"环境变量 {OFFICE_VARIABLE} 指向的 {named} 不存在：请改为 soffice 的完整路径"
                "（如 C:\\Program Files\\LibreOffice\\program\\soffice.exe），或删除该变量"
            )
        return str(path)
    on_path = shutil.which("soffice") or shutil.which("libreoffice")
    if on_path:
        return on_path
    return next((str(p) for p in office_candidates(environ, windows) if p.is_file()), None)


def font_kind(family: str) -> FontKind | None:
    """Whether a Chinese font family is a kai, hei or serif (song, fangsong) face; ``None`` for other fonts."""
    name = family.casefold()
    if "楷" in name or "kai" in name:
        return "kai"
    if "黑" in name or "hei" in name or ("cjk" in name and "sans" in name):
        return "hei"
    if any(marker in name for marker in ("宋", "仿", "明", "song", "ming", "cjk")):
        return "serif"
    if any(_is_cjk(char) for char in name):
        return "serif"
    return None


def font_substitutions(families: Iterable[str]) -> list[FontSubstitution]:
    """The installed faces to use for the ``families`` that are not installed, each family once.

    Families that are installed, that are not Chinese fonts, or for which no face of a fitting kind is installed are
    left out; so is every substitution fontconfig does not actually resolve. Returns ``[]`` when the fontconfig tools
    are not available (e.g. on Windows, where LibreOffice does not use fontconfig).
    """
    installed = installed_families()
    if installed is None:
        return []
    substitutions: list[FontSubstitution] = []
    seen: set[str] = set()
    for family in families:
        key = _family_key(family)
        if not key or key in seen or key in installed:
            continue
        seen.add(key)
        used = closest_face(family, installed)
        if used is not None:
            substitutions.append(FontSubstitution(family.strip(), used))
    return _resolved(substitutions)


def closest_face(family: str, installed: Collection[str]) -> str | None:
    """The first installed candidate face for the kind of ``family``, or ``None`` (``installed``: family names)."""
    kind = font_kind(family)
    if kind is None:
        return None
    keys = {_family_key(name) for name in installed}
    return next((face for face in CANDIDATES[kind] if _family_key(face) in keys), None)


def installed_families() -> set[str] | None:
    """Every installed font family name (all localized names, normalized), or ``None`` without fontconfig tools."""
    listing = _fontconfig("fc-list", ":", "family")
    if listing is None:
        return None
    return {_family_key(name) for line in listing.splitlines() for name in line.split(",") if name.strip()}


def _text(value: str) -> str:
    """Text in an XML element (``html.escape`` without quotes, as ``xml.sax.saxutils.escape``, which loads
    urllib.request and http.client into every command)."""
    return escape(value, quote=False)


def write_font_config(substitutions: Sequence[FontSubstitution], folder: Path) -> Path:
    """Write ``folder/fonts.conf``: the system configuration plus a strong family rule per substitution."""
    system = os.environ.get("FONTCONFIG_FILE", "")
    if not (system and Path(system).is_absolute() and Path(system).is_file()):
        system = SYSTEM_FONT_CONFIG
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
        f'  <include ignore_missing="yes">{_text(system)}</include>',
    ]
    for substitution in substitutions:
        lines += [
            '  <match target="pattern">',
            f'    <test qual="any" name="family"><string>{_text(substitution.wanted)}</string></test>',
            f'    <edit name="family" mode="assign" binding="strong"><string>{_text(substitution.used)}</string></edit>',
            "  </match>",
        ]
    lines.append("</fontconfig>")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fonts.conf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def convert_with_office(
    sources: Sequence[Path],
    target: str,
    folder: Path,
    *,
    timeout: float,
    fonts: Sequence[FontSubstitution] = (),
) -> list[Path] | None:
    """Convert ``sources`` to ``target`` (``"docx"``, ``"pdf"`` …) into ``folder`` with headless LibreOffice.

    Runs with a private, temporary user profile, so that it works while the user has LibreOffice open; with ``fonts``
    (from ``font_substitutions``), through a private fontconfig configuration that maps each missing font to its
    substitute. Returns the converted files that exist (``<stem>.<target>`` in ``folder``, in the order of ``sources``),
    or ``None`` when LibreOffice is not installed. Raises ``OfficeError`` when the conversion fails or exceeds
    ``timeout`` seconds.
    """
    soffice = find_office()
    if soffice is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reporter-lo-", ignore_cleanup_errors=True) as temporary:
        profile = Path(temporary, "profile").resolve()
        env: dict[str, str] | None = None
        if fonts:
            env = os.environ.copy()
            env["FONTCONFIG_FILE"] = str(write_font_config(fonts, Path(temporary, "fontconfig").resolve()))
        try:
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={profile.as_uri()}",
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
                env=env,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise OfficeError(str(exc)) from exc
    extension = target.split(":", 1)[0]
    converted = [folder / f"{source.stem}.{extension}" for source in sources]
    return [path for path in converted if path.exists()]


def _resolved(substitutions: list[FontSubstitution]) -> list[FontSubstitution]:
    """The substitutions that ``fc-match`` resolves to the substitute under the private configuration."""
    if not substitutions:
        return []
    with tempfile.TemporaryDirectory(prefix="reporter-fc-", ignore_cleanup_errors=True) as temporary:
        env = os.environ.copy()
        env["FONTCONFIG_FILE"] = str(write_font_config(substitutions, Path(temporary).resolve()))
        resolved = []
        for substitution in substitutions:
            matched = _fontconfig("fc-match", "--format=%{family}", substitution.wanted, env=env)
            if matched is not None and _family_key(substitution.used) in map(_family_key, matched.split(",")):
                resolved.append(substitution)
    return resolved


def _fontconfig(tool: str, *args: str, env: Mapping[str, str] | None = None) -> str | None:
    """The output of a fontconfig tool, or ``None`` when it is not installed or fails."""
    executable = shutil.which(tool)
    if executable is None:
        return None
    try:
        done = subprocess.run(
            [executable, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=FONTCONFIG_TIMEOUT,
            check=True,
            env=env,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return done.stdout


def _family_key(family: str) -> str:
    """A family name as fontconfig compares it: ignoring case and blanks."""
    return "".join(family.split()).casefold()


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
