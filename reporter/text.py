"""Pure text helpers for Chinese official documents: punctuation, spaces, numerals."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache, lru_cache
from types import ModuleType

# Full-width ASCII letters and digits -> ASCII (leave full-width punctuation alone).
_FULLWIDTH_ALNUM = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})
_FULLWIDTH_ALNUM[0xFF0E] = ord(".")  # ．
_FULLWIDTH_ALNUM[0xFF05] = ord("%")  # ％
_FULLWIDTH_ALNUM[0x3000] = ord(" ")  # ideographic space

_HALF_TO_FULL = {"(": "（", ")": "）", ":": "：", ";": "；", "!": "！", "?": "？"}
# One table for the whole character mapping: full-width letters and digits to ASCII, ASCII brackets and stops to
# full-width, zero-width characters dropped.
_LINE_TABLE = {**_FULLWIDTH_ALNUM, **{ord(k): v for k, v in _HALF_TO_FULL.items()}, 0xFEFF: None, 0x200B: None}
_WIDE = r"[^\x00-\x7f]"
_SPACES_NEAR_WIDE = re.compile(rf"(?<={_WIDE})[ \u00a0]+|[ \u00a0]+(?={_WIDE})")
_COMMA_NOT_IN_NUMBER = re.compile(r"(?<!\d),|,(?!\d{3})")
_SPACE_RUNS = re.compile(r"[ \u00a0]{2,}")

# A Chinese counting number as it numbers a heading or an item (十一、 （二十） 一百零一、): it starts with a digit or
# 十; chinese_numeral() tells whether a match is a number.
CHINESE_NUMBER = "[一二三四五六七八九十][〇零一二三四五六七八九十百千]{0,7}"
_COUNTING = frozenset("〇零一二两三四五六七八九十百千万亿")
_MAGNITUDES = frozenset("十百千万亿")


def normalize_line(line: str) -> str:
    """One line as the parser wants it: ASCII digits, full-width punctuation, no spaces next to CJK.

    >>> normalize_line("牵头领导:市长,副市长")
    '牵头领导：市长，副市长'
    >>> normalize_line("地区生产总值达到 1.7 万亿元")
    '地区生产总值达到1.7万亿元'
    """
    line = line.translate(_LINE_TABLE)
    if "," in line:
        line = _COMMA_NOT_IN_NUMBER.sub("，", line)
    if " " in line or "\u00a0" in line:
        line = _SPACES_NEAR_WIDE.sub("", line)
        line = _SPACE_RUNS.sub(" ", line)
    return line.strip()


def join_lines(left: str, right: str) -> str:
    """Join two fragments of one paragraph broken by the source; keep a space only between ASCII words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


@cache
def _cn2an() -> ModuleType:
    import cn2an  # Chinese numbers of any size; loaded on first use (it takes a quarter of a second)

    return cn2an


# 一 … 九十九 as headings and items number them: worked out here, so that a notice numbered below a hundred does not
# load cn2an (a third of a second); the values are cn2an's (tests compare them).
_DIGIT_VALUES = {char: value for value, char in enumerate("一二三四五六七八九", start=1)}
_DIGIT_CHARS = {value: char for char, value in _DIGIT_VALUES.items()}


def _below_hundred(text: str) -> int | None:
    """``三`` -> 3, ``十`` -> 10, ``十二`` -> 12, ``四十`` -> 40, ``九十九`` -> 99; None for any other writing."""
    if text in _DIGIT_VALUES:
        return _DIGIT_VALUES[text]
    tens, ten, ones = text.partition("十")
    if not ten or len(tens) > 1 or len(ones) > 1:
        return None
    if (tens and tens not in _DIGIT_VALUES) or (ones and ones not in _DIGIT_VALUES):
        return None
    return 10 * (_DIGIT_VALUES[tens] if tens else 1) + (_DIGIT_VALUES[ones] if ones else 0)


@lru_cache(maxsize=4096)
def chinese_numeral(text: str) -> int | None:
    """A Chinese counting number's value (cn2an): ``十一`` -> 11, ``二十`` -> 20, ``一百零一`` -> 101, ``两`` -> 2,
    ``〇`` -> 0; ``None`` for text that is not one, and for digits read one by one (``一二``, ``二〇二一``)."""
    if not text or not _COUNTING.issuperset(text) or (len(text) > 1 and _MAGNITUDES.isdisjoint(text)):
        return None
    if (value := _below_hundred(text)) is not None:
        return value
    try:
        value = _cn2an().cn2an(text, "normal")
    except Exception:  # cn2an refuses what is not a number with ValueError, some malformed ones with KeyError
        return None
    return value if isinstance(value, int) else None


def strip_punctuation(text: str) -> str:
    """Trim list separators and full stops from both ends."""
    return text.strip(" ，、；。：,;.:\t")


def display_width(text: str) -> int:
    """Width in monospace cells: CJK and full-width characters count 2 (every non-ASCII character does; counted by
    the codec in C, which matters for the widths of a province's ledger)."""
    return 2 * len(text) - len(text.encode("ascii", "ignore"))


@cache
def _opencc(config: str) -> Callable[[str], str]:
    import opencc  # OpenCC's conversion tables (t2s, s2t); loaded on first use

    return opencc.OpenCC(config).convert


def _t2s() -> Callable[[str], str]:
    return _opencc("t2s")


def to_traditional(text: str) -> str:
    """Simplified characters as traditional (OpenCC): ``序号`` -> ``序號``."""
    return _opencc("s2t")(text)


@lru_cache(maxsize=65536)  # unit names and labels recur thousands of times in a province's notice
def to_simplified(text: str) -> str:
    """Traditional characters as simplified (OpenCC), for matching; the original text is kept by the caller.

    The result has the same length as ``text``, character for character, so that a match found in it can be
    cut out of the original (``廣州市財政局`` -> ``广州市财政局``).
    """
    if text.isascii():
        return text
    simplified = _t2s()(text)
    if len(simplified) != len(text):  # a phrase rule changed the length: convert character by character
        convert = _t2s()
        simplified = "".join(c if len(c := convert(ch)) == 1 else ch for ch in text)
    return simplified


def chinese_count(number: int, *, capital: bool = False) -> str:
    """1 -> ``一``, 12 -> ``十二``, 101 -> ``一百零一`` (cn2an), for 一是…二是…, （一）（二） and 第二季度; with
    ``capital`` the 大写 figures (``壹拾贰``). Zero and below as digits."""
    if number < 1:
        return str(number)
    if number < 100 and not capital:
        tens, ones = divmod(number, 10)
        if not tens:
            return _DIGIT_CHARS[ones]
        return ("" if tens == 1 else _DIGIT_CHARS[tens]) + "十" + (_DIGIT_CHARS[ones] if ones else "")
    return str(_cn2an().an2cn(number, "up" if capital else "low"))


def chinese_digits(number: int) -> str:
    """A number written digit by digit in Chinese figures: 10 -> ``一〇``, 2021 -> ``二〇二一``."""
    return str(_cn2an().an2cn(number, "direct")).replace("零", "〇")


def chinese_date(day: date, *, year: bool = True) -> str:
    """``2021年6月25日`` (or ``6月25日``): dates in prose never carry ISO dashes or times."""
    return f"{day.year}年{day.month}月{day.day}日" if year else f"{day.month}月{day.day}日"


def readable_number(value: float) -> str:
    """A number as a reader takes it in: ``1048576``, ``12.5``; beyond a billion ``1E+12``, never a wall of digits."""
    if value != value or value in (float("inf"), float("-inf")):
        return "非数字" if value != value else ("无穷大" if value > 0 else "负无穷大")
    if abs(value) >= 1e9:
        return f"{value:.0E}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def shown_value(value: object, limit: int = 20) -> str:
    """A typed value echoed in a message: huge numbers as ``1E+300``, long text cut to ``limit`` characters."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return readable_number(value)
    text = str(value).strip()
    digits = text.replace(",", "").replace(" ", "")
    if len(digits) > 15 and re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?%?", digits):
        return readable_number(float(digits.rstrip("%"))) + ("%" if digits.endswith("%") else "")
    return text if len(text) <= limit else text[:limit] + "…"


_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED_FILE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)


def safe_file_stem(text: str, default: str, limit: int = 80) -> str:
    """``text`` as the stem of a file name every system takes, Windows included: path separators and the characters
    Windows refuses become ``_``, no leading or trailing spaces or dots (Windows drops them), no reserved device
    name (``CON``, ``COM1`` …), at most ``limit`` characters; ``default`` when nothing is left."""
    stem = _UNSAFE_IN_FILE_NAME.sub("_", text).strip(" .")[:limit].rstrip(" .")
    if stem.split(".", 1)[0].upper() in _RESERVED_FILE_NAMES:
        stem = f"_{stem}"
    return stem or default
