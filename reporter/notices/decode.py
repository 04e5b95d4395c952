"""Decoding the bytes of a Chinese text file (a .txt notice, a .csv task list): UTF-8, UTF-16 or GB18030."""

from __future__ import annotations

import re

from reporter.errors import SourceError

_CJK = re.compile(r"[\u4e00-\u9fff]")


def decode_text(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode bytes of a Chinese text file, detecting UTF-8, UTF-16 (BOM) and GB18030/GBK."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise SourceError(f"{name}：文件按 {encoding} 编码无法读取，可能已损坏或被截断") from exc
    if b"\x00" in data[:4096]:
        raise SourceError(f"{name}：这不是文本文件（含二进制内容）。如是 Word 或 PDF 文件，请另存为纯文本后重试")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{name}：无法识别文字编码（既不是 UTF-8 也不是 GBK），请用记事本另存为 UTF-8 后重试"
        ) from exc
    if not _CJK.search(text):
        raise SourceError(f"{name}：没有读到中文内容，请确认文件是否为通知正文")
    return text, "gb18030"
