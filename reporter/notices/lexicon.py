"""The notice vocabulary as data: field labels, collective words, notes, section-leader titles and verbs.

The package's ``lexicon.toml`` holds what the parser knows; a workspace extends it in ``reporter.toml``
(``[lexicon]``), so an office that meets a new label adds one line instead of waiting for a release.
Pure: ``tomllib`` and ``re`` only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

from reporter.text import CHINESE_NUMBER

FIELDS = ("牵头领导", "联系领导", "牵头单位", "责任单位", "配合单位", "责任人", "目标任务", "完成时限", "进展情况")
WORD_LISTS = ("collectives", "notes", "duties", "leader_titles", "leader_verbs", "task_verbs", "department_stems")


class LexiconError(ValueError):
    """A ``[lexicon]`` entry is not what the parser can use (the message says which, in Chinese)."""


@dataclass(frozen=True)
class Lexicon:
    """Labels (as written -> field) and word lists, with the patterns the parser matches built from them."""

    labels: dict[str, str] = field(default_factory=dict)
    collectives: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    duties: tuple[str, ...] = ()
    leader_titles: tuple[str, ...] = ()
    leader_verbs: tuple[str, ...] = ()
    task_verbs: tuple[str, ...] = ()
    department_stems: tuple[str, ...] = ()

    def extended(self, extra: dict[str, Any], where: str = "[lexicon]") -> Lexicon:
        """This lexicon with a workspace's additions (``labels`` table, word lists), checked."""
        unknown = set(extra) - {"labels", *WORD_LISTS}
        if unknown:
            raise LexiconError(
                f"{where} 中有无法识别的项：{'、'.join(sorted(unknown))}（可用 labels、{'、'.join(WORD_LISTS)}）"
            )
        labels = dict(self.labels)
        added = extra.get("labels", {})
        if not isinstance(added, dict):
            raise LexiconError(f'{where} labels 应写成表，如 labels = {{"督办领导" = "牵头领导"}}')
        for written, target in added.items():
            if not isinstance(target, str) or target not in FIELDS:
                raise LexiconError(f"{where} labels 中“{written}”应对应 {'、'.join(FIELDS)} 之一")
            labels[str(written)] = target
        lists: dict[str, tuple[str, ...]] = {}
        for name in WORD_LISTS:
            words = extra.get(name, [])
            if not isinstance(words, list) or not all(isinstance(w, str) and w.strip("^$") for w in words):
                raise LexiconError(f'{where} {name} 应为文字列表，如 {name} = ["……"]')
            lists[name] = tuple(dict.fromkeys([*getattr(self, name), *words]))
        return Lexicon(labels=labels, **lists)

    def field_of(self, label: str) -> str:
        """The field a label as written gives (``分管市领导`` -> ``牵头领导``)."""
        return self.labels.get(label, label)

    @cached_property
    def label_names(self) -> tuple[str, ...]:
        """Every label, longest first (协同责任单位 before 责任单位)."""
        return tuple(sorted(self.labels, key=len, reverse=True))

    @cached_property
    def label(self) -> re.Pattern[str]:
        """A label followed by its colon: ``牵头单位：``."""
        return re.compile(rf"({'|'.join(map(re.escape, self.label_names))})：")

    @cached_property
    def label_after_space(self) -> re.Pattern[str]:
        """Where a label starts after a space in a run-on line (ASCII or full-width colon)."""
        return re.compile(rf"\s+(?=(?:{'|'.join(map(re.escape, self.label_names))})\s*[:：])")

    @cached_property
    def collective(self) -> re.Pattern[str]:
        return re.compile("|".join(_anchored(word) for word in self.collectives))

    @cached_property
    def note(self) -> re.Pattern[str]:
        """A bracketed note in a unit list: （列第一位者为牵头单位，下同）."""
        words = "|".join(map(re.escape, self.notes))
        return re.compile(rf"[（(][^（）()]*(?:{words})[^（）()]*[）)]")

    @cached_property
    def duty(self) -> re.Pattern[str]:
        return re.compile("|".join(map(re.escape, sorted(self.duties, key=len, reverse=True))))

    @cached_property
    def section_leader(self) -> re.Pattern[str]:
        """A heading naming the leader of its section: 王某市长牵头的…, 区长某某主抓…, 由某某副县长负责…."""
        titles = "|".join(map(re.escape, sorted(self.leader_titles, key=len, reverse=True)))
        verbs = "|".join(map(re.escape, self.leader_verbs))
        return re.compile(
            rf"^(?:{CHINESE_NUMBER}、)?由?(?:"
            rf"(?P<name>[\u4e00-\u9fa5]{{2,4}}?)(?:同志)?(?:(?:{titles})(?:同志)?(?:{verbs})|(?:{verbs})的)"
            rf"|(?:{titles})(?P<titled>[\u4e00-\u9fa5]{{2,3}}?)(?:同志)?(?:{verbs}))"
        )


def _anchored(word: str) -> str:
    start, end = word.startswith("^"), word.endswith("$") and len(word) > 1
    core = re.escape(word[1 if start else 0 : -1 if end else None])
    return f"{'^' if start else ''}{core}{'$' if end else ''}"


@cache
def default_lexicon() -> Lexicon:
    """The package's lexicon (``reporter/notices/lexicon.toml``)."""
    data = tomllib.loads(resources.files("reporter.notices").joinpath("lexicon.toml").read_text(encoding="utf-8"))
    words = data.get("words", {})
    return Lexicon(labels=dict(data["labels"]), **{name: tuple(words.get(name, ())) for name in WORD_LISTS})
