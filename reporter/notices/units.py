"""Responsible units: split lists, normalise names, recognise collectives, expand districts, spot near-duplicates.

Everything here is pure: names in, names out. The workspace supplies districts and aliases from ``reporter.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from reporter.notices.lexicon import Lexicon, default_lexicon
from reporter.text import normalize_line, strip_punctuation, to_simplified

DISTRICT_KIND = "区县"
ZONE_KIND = "开发园区"


@dataclass(frozen=True)
class District:
    """A district, county or development zone, as configured for the workspace."""

    name: str
    short: str
    kind: str = DISTRICT_KIND
    government: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        """The responsible unit that stands for this district (its government or management committee)."""
        return self.government or (f"{self.name}政府" if self.kind == DISTRICT_KIND else f"{self.name}管委会")

    def names(self) -> tuple[str, ...]:
        return (self.name, self.short, self.unit, *self.aliases)


@dataclass
class UnitDirectory:
    """Aliases and districts of a workspace: turns any written form of a unit into its canonical name."""

    districts: list[District] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    lexicon: Lexicon = field(default_factory=default_lexicon)  # labels and words, the workspace's additions included

    def __post_init__(self) -> None:
        self._alias = {unit_key(k): normalize_unit(v) for k, v in self.aliases.items()}
        self._district_by_name: dict[str, District] = {}
        for district in self.districts:
            for name in district.names():
                self._district_by_name.setdefault(unit_key(name), district)

    def canonical(self, name: str) -> str:
        """Normalised name (as written), through the alias table, and district names to the district's unit.

        Aliases and districts are matched with traditional characters read as simplified.
        """
        name = self._alias.get(unit_key(name), normalize_unit(name))
        district = self._district_by_name.get(unit_key(name))
        return district.unit if district else name

    def district(self, name: str) -> District | None:
        """The district a column heading or unit name refers to (``高新`` -> 高新区)."""
        aliased = self._alias.get(unit_key(name))
        return self._district_by_name.get(unit_key(aliased) if aliased else unit_key(name))

    def district_units(self, kind: str) -> list[str]:
        return [d.unit for d in self.districts if d.kind == kind]


_QUOTES = str.maketrans({'"': "“", "'": "‘", "「": "“", "」": "”"})


@lru_cache(maxsize=65536)
def normalize_unit(name: str) -> str:
    """Canonical spelling of a unit name (see below), its characters as written (traditional ones kept)."""
    return _normalize_unit(name)


@lru_cache(maxsize=65536)
def unit_key(name: str) -> str:
    """A unit name as matched: normalised, traditional characters read as simplified (市財政局 = 市财政局)."""
    return to_simplified(_normalize_unit(name))


def _normalize_unit(name: str) -> str:
    """Canonical spelling of a unit name: full-width brackets, no spaces, no stray separators.

    >>> normalize_unit(" 市委组织部 (市委人才办) ")
    '市委组织部（市委人才办）'
    """
    name = normalize_line(name).replace(" ", "").translate(_QUOTES)
    name = _fix_quote_pairs(name)
    return strip_punctuation(name)


def _fix_quote_pairs(name: str) -> str:
    """ASCII quotes became “ everywhere; make every second one a closing ”."""
    if name.count("“") > name.count("”"):
        out, opening = [], True
        for ch in name:
            if ch in "“”":
                out.append("“" if opening else "”")
                opening = not opening
            else:
                out.append(ch)
        return "".join(out)
    return name


def split_list(text: str) -> list[str]:
    """Split ``A、B，C`` on list separators, never inside brackets or quotes.

    >>> split_list("市综合执法局（市生活垃圾分类处理、循环利用办公室），市教育局、市交通局")
    ['市综合执法局（市生活垃圾分类处理、循环利用办公室）', '市教育局', '市交通局']
    """
    return list(_split_list(text))


@lru_cache(maxsize=65536)  # a province's unit and leader lists recur across thousands of its tasks
def _split_list(text: str) -> tuple[str, ...]:
    items: list[str] = []
    current: list[str] = []
    depth = 0
    line = normalize_line(text)
    for index, ch in enumerate(line):
        if ch in "（“《[【":
            depth += 1
        elif ch in "）”》]】" and depth:
            depth -= 1
        joined_pair = (
            ch == "、" and current and current[-1] in "乡镇" and line[index + 1 : index + 2] in ("乡", "镇", "街")
        )
        if ch in "、，；,;" and depth == 0 and not joined_pair:  # 各乡、镇人民政府 is one name
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return tuple(_join_shared_affix([item for item in (strip_punctuation(i) for i in items) if item]))


_DIVISIONS = ("街道", "县", "市", "区", "乡", "镇", "旗", "州")
_AREA_SUFFIX = r"(管理区|开发区|园区|新区|街道|办事处|社区|管委会)"
_SHARED_AREA = re.compile(rf"^[\u4e00-\u9fa5]{{2,4}}{_AREA_SUFFIX}$")
_ENDS_AS_AREA = re.compile(_AREA_SUFFIX + "$")
_SHARED_CLOSE = re.compile(rf"^(?:{'|'.join(_DIVISIONS)})(?:人民政府|政府|级市|管委会|办事处)$")


def _join_shared_affix(items: list[str]) -> list[str]:
    """``各县、市、区政府`` and ``各区、县级市`` name one collective whose parts share 各 and the closing noun.

    A run is ``各`` and a division (县, 市, 区, 乡, 镇, 街道 …), then bare divisions, then a division with the noun
    that closes the name (``区政府``, ``镇人民政府``, ``县级市``).
    """
    result: list[str] = []
    index = 0
    while index < len(items):
        item = items[index]
        if (
            index + 1 < len(items)
            and 2 <= len(item) <= 5
            and item[-1] not in _UNIT_ENDINGS
            and not _ENDS_AS_AREA.search(item)  # 大碶街道、戚家山街道 are two names
            and _SHARED_AREA.search(items[index + 1])
            and not is_collective(item)
        ):
            result.append(f"{item}、{items[index + 1]}")  # 人民大垸、荒湖管理区: two 管理区 named once
            index += 2
            continue
        if item[1:] in _DIVISIONS and item.startswith("各"):
            end = index + 1
            while end < len(items) and items[end] in _DIVISIONS:
                end += 1
            if end < len(items) and _SHARED_CLOSE.match(items[end]):
                result.append("、".join(items[index : end + 1]))
                index = end + 1
                continue
        result.append(items[index])
        index += 1
    return result


_MEMBERS_SUFFIX = re.compile(r"^(.+?)等(?:[省市县区]级)?(有关|相关)?(部门|单位)$")


_UNIT_AND_PERSON = re.compile(
    r"^(.{2,30}(?:局|委|办|厅|部|院|府|会|中心|公司|集团|队|所|站|行|处|室|社|馆))\s*([\u4e00-\u9fa5]{2,3})$"
)
_UNIT_ENDINGS = "局委办厅部院府会心司团队所站行处室社馆组区县市镇乡"
# Last characters of institutions, never of a person's given name: 宁波市委党校 is one unit, not 宁波市委 + 党校.
_NOT_A_NAME_END = _UNIT_ENDINGS + "校台园科场港关厂矿署所"
# Common surnames: a unit name followed by two or three characters starting with one is a responsible person.
SURNAMES = frozenset(
    "丁万丛严丰乌乐乔于云亓井亢仇付仝仲任伊伍伏但位何佘余佟侯俞信修倪傅储元党全公兰关冀冉农冯况冶冷冼凌刁刘初利劳勾包匡区华卓"
    "单南卜卞卢卫印危卿厉原古史叶司吉向吕吴周呼和哈唐商喻国夏奉奚姚姜姬娄孔孙孟季宁安宋宗官宣宫容宾宿寇富封尉尚尤尧尹居屈展屠"
    "岑岳崔嵇左巩巫巴帅师席常干平幸庄应庞康廉廖张强彭徐惠慕戈戎成战戚戴房扈揭支敖敬文斯方於施时明易昝晁晋晏普景智曲曹曾朱朴权"
    "李杜束来杨杭林柏查柯柳柴栗栾桂桑梁梅植楚楼樊檀欧武段殷母毕毛江池汤汪沈沙浦海涂温游湛滕满漆潘焦熊燕牛牟狄玉王班甄甘田由申"
    "白皮盖盘盛相瞿石祁祖祝禹秦程穆窦章童符简管米粟索纪练缪罗羊翁翟耿聂肖胡胥臧舒艾芦芮花苏苑苗苟范茅茹荆荣莫葛董蒋蒙蒲蓝蔡蔺"
    "薄薛虞衡衣袁裘裴褚覃解詹计许诸谈谌谢谭谷豆费贺贾赫赵路车辛辜边连迟逯邓邝邢那邬邰邱邵邸邹郁郎郑郜郝郭都鄢金钟钱银门闫闭闵"
    "闻阙阚阮阳阴阿陆陈陶隆隋雍雷霍靳鞠韦韩项顾颜饶马骆高魏鲁鲍鲜鹿麦麻黄黎齐龙龚"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯")
HAN_NAME = re.compile(r"[\u4e00-\u9fa5]{2,4}")  # what a person's name can be: two to four Han characters


def _split_person(name: str) -> tuple[str, str]:
    """``市民政局伍某某`` → (``市民政局``, ``伍某某``); other names unchanged."""
    match = _UNIT_AND_PERSON.match(to_simplified(name))
    if match and match.group(2)[0] in SURNAMES and match.group(2)[-1] not in _NOT_A_NAME_END:
        return name[: match.end(1)], name[match.start(2) :]
    return name, ""


def is_collective(name: str, lexicon: Lexicon | None = None) -> bool:
    """True for 市级有关部门, 各区县（市）政府, 开发园区管委会, X等有关部门, …成员单位 and the like."""
    key = to_simplified(name)
    return bool((lexicon or default_lexicon()).collective.search(key) or _MEMBERS_SUFFIX.match(key))


@dataclass
class SplitUnits:
    """The result of reading one unit field."""

    real: list[str] = field(default_factory=list)
    collective: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)

    def copy(self) -> SplitUnits:
        return SplitUnits(list(self.real), list(self.collective), list(self.persons))


def read_units(text: str, directory: UnitDirectory) -> SplitUnits:
    """Read a unit field into real units (canonical names) and collective ones (as written, normalised).

    ``市商务局、市交通局等有关部门`` gives real 市商务局 and collective 市交通局等有关部门 (kept as written), whose
    named member 市交通局 is responsible through it (``expand_collective``) and so gets a form.
    ``海曙区、鄞州区、宁海县政府`` gives each district's government.
    """
    result = SplitUnits()
    for item in split_list(text):
        name, person = _split_person(normalize_unit(item))  # 市民政局 伍某某: the unit, then its person
        if person:
            _add(result.persons, person)
        if name.endswith("等") and len(name) > 3 and not name.endswith(("平等", "对等")):
            name = name[:-1]  # a list closed with 等
        members = _MEMBERS_SUFFIX.match(to_simplified(name))
        if members and not is_collective(name[: members.end(1)], directory.lexicon):
            _add(result.collective, name)  # 市交通局等有关部门: as written; 市交通局 is its member
        elif is_collective(name, directory.lexicon) and (
            _QUANTIFIED.search(to_simplified(name)) or expand_collective(name, directory)
        ):
            _add(result.collective, name)
        else:
            _add(result.real, directory.canonical(name))
    return result


# A collective says it stands for many (各…, 有关…, …成员单位); a bare kind name (开发园区管委会) stands for the
# units of that kind the workspace lists, and is the one unit it names when the workspace lists none.
_QUANTIFIED = re.compile(r"各|有关|相关|其他|其它|成员|等|级|所属|驻")


def _add(items: list[str], item: str) -> None:
    if item and item not in items:
        items.append(item)


_DISTRICTS_GOVERNMENT = re.compile(r"^(各|相关|有关)?(县|区|市)(（市）)?(政府|人民政府)$")


def expand_collective(name: str, directory: UnitDirectory, related: list[str] | None = None) -> list[str]:
    """Members of a collective: ``各区县（市）政府`` -> every configured district government.

    ``相关/有关`` collectives expand to ``related`` (e.g. the districts named in a breakdown table) when given;
    ``X等有关部门`` to the unit X it names. Other collectives (市级有关部门) have no known members.
    """
    key = to_simplified(name)
    named = _MEMBERS_SUFFIX.match(key)
    if named and not is_collective(name[: named.end(1)], directory.lexicon):
        return [directory.canonical(name[: named.end(1)])]  # 市交通局等有关部门: the unit it names
    if "区县" in key or _DISTRICTS_GOVERNMENT.search(key):
        kind = DISTRICT_KIND
    elif "开发园区" in key or "管委会" in key:
        kind = ZONE_KIND
    else:
        return []
    members = directory.district_units(kind)
    if key.startswith(("相关", "有关")):
        if related is None:
            return []
        related_units = {directory.canonical(r) for r in related}
        return [m for m in members if m in related_units]
    return members


_DISTRICT_UNIT = re.compile(
    r"^(?P<name>[\u4e00-\u9fa5]{1,6}?(?:区|县|市|旗|镇|乡))(?:人民)?政府$"
)  # a county's towns too
_ZONE_UNIT = re.compile(
    r"^(?P<name>[\u4e00-\u9fa5（）]{0,24}?(?:开发区|高新区|新区|园区|保税区|度假区|片区|港区|经济区|示范区))管委会$"
)


def district_candidates(units: list[str], own_place: str = "") -> list[District]:
    """Units whose names say they are a district, county or county-level city government (海曙区政府, 余姚市政府)
    or a development zone's management committee (杭州湾新区管委会): proposed to the office as districts.
    ``own_place`` (宁波市, from the issuer) is the notice's own government, not one of its districts."""
    found: dict[str, District] = {}
    for unit in units:
        if match := _DISTRICT_UNIT.match(unit):
            name = match.group("name")
            if name == own_place or own_place.startswith(name):
                continue
            short = name[:-1] if len(name) >= 3 else name
            found.setdefault(unit, District(name, short, DISTRICT_KIND, government=unit))
        elif match := _ZONE_UNIT.match(unit):
            name = match.group("name")
            found.setdefault(unit, District(name, name, ZONE_KIND, government=unit))
    return list(found.values())


def own_place(issuer: str) -> str:
    """The place of a notice's issuer: 宁波市 of 宁波市人民政府办公厅."""
    match = re.match(r"^([\u4e00-\u9fa5]{2,8}?(?:省|市|区|县|州|旗))", issuer)
    return match.group(1) if match else ""


def near_duplicates(names: list[str]) -> list[tuple[str, str, str]]:
    """Pairs of distinct unit names that are probably the same unit, with the reason, for the user to confirm.

    Caught: quote placement (市“五水共治办” / 市“五水共治”办), one or two characters missing
    (市邮政局 / 市邮政管理局, 大数据局 / 市大数据局, 市委组织部（市人才办） / 市委组织部（市委人才办）),
    and a bracketed second name (市生态环境局 / 市生态环境局（市治水办）).

    Near-linear in the number of names: candidates come from an index of each name's forms (without quotes,
    without its trailing bracket, and with one or two characters deleted), not from comparing every pair.
    """
    unique = sorted(set(names), key=lambda n: (len(n), n))
    rank = {name: i for i, name in enumerate(unique)}
    bare = {name: _QUOTE_MARKS.sub("", name) for name in unique}  # each name's forms worked out once
    unbracketed = {name: _TRAILING_BRACKET.sub("", name) for name in unique}
    by_bare: dict[str, list[str]] = {}
    for name in unique:
        by_bare.setdefault(bare[name], []).append(name)
    candidates: set[tuple[str, str]] = set()
    for name in unique:
        others = [*by_bare[bare[name]]]  # the same name but for its quote marks
        if unbracketed[name] in rank:
            others.append(unbracketed[name])
        for shorter in _deletions(bare[name]):  # one or two characters missing
            others += by_bare.get(shorter, [])
        for other in others:
            if other != name:
                candidates.add((name, other) if rank[name] < rank[other] else (other, name))
    pairs = []
    for short, long in sorted(candidates, key=lambda pair: (rank[pair[0]], rank[pair[1]])):
        reason = _near_duplicate_reason(short, long, bare[short], bare[long], unbracketed[long])
        if reason:
            pairs.append((short, long, reason))
    return pairs


def _deletions(text: str) -> set[str]:
    """``text`` with any one or any two characters deleted (at least three characters left)."""
    ones = {text[:i] + text[i + 1 :] for i in range(len(text))} if len(text) >= 4 else set()
    twos = {one[:i] + one[i + 1 :] for one in ones for i in range(len(one))} if len(text) >= 5 else set()
    return ones | twos


_QUOTE_MARKS = re.compile(r"[“”‘’\"'《》]")
_TRAILING_BRACKET = re.compile(r"（[^（）]*）$")


def _near_duplicate_reason(a: str, b: str, bare_a: str, bare_b: str, b_unbracketed: str) -> str:
    if bare_a == bare_b:
        return "引号位置不同"
    if b_unbracketed == a:
        return "括号内另有名称"
    diff = len(bare_b) - len(bare_a)
    if 0 < diff <= 2 and len(bare_a) >= 3 and _is_subsequence(bare_a, bare_b):
        return f"相差{diff}个字"
    return ""


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)
