"""Hot issues (热点问题): messages about the same matter in the same place, grouped and ranked by heat.

Two messages belong together when their texts are similar (TF-IDF over character 1-2-grams of the subject and
the start of the details, cosine) and they name the same place (estate, road, school, company ... found by
pattern, or the ticket's own area on the platform); very similar texts join without a shared place. Groups
are the connected components of that graph. Heat = 3·ln(1+messages) + ln(1+support) + 0.5·ln(1+days spanned),
support being likes minus dislikes (fj3) or distinct callers (the platform's tickets).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

PLACE_SUFFIXES = ("小区", "花园", "花苑", "家园", "新城", "公寓", "大厦", "广场", "大道", "街道", "社区", "小学",
                  "中学", "学校", "幼儿园", "医院", "公司", "物业", "市场", "公园", "路", "街", "巷", "村", "站", "湾",
                  "苑", "城")
# Characters that never sit inside a place name: a name is looked for between them.
BREAKS = re.compile(r"[的了在是和与及把对从到向约被给让将为而不于且全都也就还已各个这那我你他她们"
                    r"请问要能会无入设置找次"
                    r"、，,。.？?！!：:；;（）()“”\"'《》【】\[\]—\-~～/\s]+")
CJK = re.compile(r"[一-龥]")
# Administrative prefixes that carry no place of their own in fj3 (anonymised: A市, A3区, A7县, 西地省).
ADMIN = re.compile(r"[A-Z]市|[A-Z]\d{0,2}[区县]|西地省|[一-龥]{2}省|[一-龥]{2}市(?!场)")
PLACE = re.compile(r"([一-龥A-Za-z0-9]{{2,8}}?(?:{}))".format("|".join(PLACE_SUFFIXES)))
GENERIC = {"小区", "道路", "马路", "公路", "街道", "农村", "学校", "公司", "物业", "社区", "花园", "城市", "车站",
           "市场", "高铁站", "地铁站", "本小区", "该小区", "我们小区", "这个小区", "我们村", "公交站", "幼儿园", "医院"}
NOT_PLACES = ("跑路", "出路", "道路", "马路", "思路", "线路", "套路", "门路", "网站", "车站", "进城", "城市")
NOISE_PREFIX = re.compile(r"^(关于|反映|请问|投诉|建议|举报|咨询|希望|要求|请求|强烈|恳请|请|对|在|的|我|是|和|与|及)+")
SPACE = re.compile(r"\s+")
# Stock phrases of complaints that say nothing about the matter (they would make unrelated messages alike).
BOILERPLATE = re.compile(r"希望尽快(处理|解决)|请(相关部门)?尽快(处理|解决)|存在安全隐患|严重影响(生活|休息|出行)|"
                         r"反复出现|"
                         r"至今未解决|多日无人处理|无人处理|无人管|请求(处理|解决)|[请望]予?解决|谢谢|急+")
AREA_LEVEL = ("街道", "社区", "区", "县")


@dataclass
class Message:
    id: str
    subject: str
    text: str
    at: dt.datetime | None
    support: int = 0
    caller: str = ""
    area_name: str = ""


@dataclass
class HotIssue:
    rank: int
    name: str
    place: str
    problem: str
    heat: float
    messages: list[Message]
    first: dt.datetime | None
    last: dt.datetime | None
    support: int
    places: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1 if self.first and self.last else 1


def clean(text: str) -> str:
    return SPACE.sub("", text or "")


def places_in(text: str) -> list[str]:
    """Place names in `text`: estates, roads, schools, companies ... with the administrative prefixes removed."""
    found = []
    for part in BREAKS.split(ADMIN.sub(" ", clean(text))):
        for match in PLACE.finditer(part):
            name = NOISE_PREFIX.sub("", match.group(1))
            suffix = next(x for x in PLACE_SUFFIXES if name.endswith(x))
            head = name[: -len(suffix)]
            for inner in PLACE_SUFFIXES:  # "小区临街" holds no name; "西湖街道茶场村" two
                if inner in head:
                    head = head[head.rindex(inner) + len(inner):]
            name = head + suffix
            if len(CJK.findall(head)) >= 2 and name not in GENERIC and not name.endswith(NOT_PLACES):
                found.append(name)
    return found


def problem_of(subject: str, place: str) -> str:
    text = ADMIN.sub("", clean(subject))
    return text.strip("，。？！?!、：:") or subject


def _when(text: str) -> dt.datetime | None:
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def read_fj3(path: Path) -> list[Message]:
    """fj3_messages_with_votes.csv: 留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数."""
    out = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            at = _when(row["留言时间"])
            support = max(0, int(row.get("点赞数") or 0) - int(row.get("反对数") or 0))
            out.append(Message(row["留言编号"].strip(), clean(row["留言主题"]), clean(row["留言详情"]), at, support,
                               row.get("留言用户", "").strip()))
    return out


def _key_places(places: list[str]) -> list[str]:
    """The places a message is grouped by: the named ones (estates, roads, companies ...), the street or
    community only when nothing more precise is named."""
    precise = [p for p in places if not p.endswith(AREA_LEVEL)]
    return precise[:2] if precise else places[:1]


def _tfidf(docs: list[str]) -> Any:
    """Character 1-2-gram TF-IDF, hashed (no vocabulary to build and sort), rows of unit length."""
    counts = HashingVectorizer(analyzer="char", ngram_range=(1, 2), n_features=2**20, alternate_sign=False,
                               norm=None).transform(docs)
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts)


def hot_issues(messages: list[Message], *, top: int = 10, similar: float = 0.3, very_similar: float = 0.6,
               min_size: int = 2) -> list[HotIssue]:
    n = len(messages)
    if n == 0:
        return []
    place_lists = [_key_places(places_in(m.subject) or places_in(m.text[:200]) or
                               ([m.area_name] if m.area_name else [])) for m in messages]
    # Within a place, the matter is what is compared: the place names themselves are taken out of the text.
    docs = []
    for m, ps in zip(messages, place_lists, strict=True):
        doc = BOILERPLATE.sub(" ", m.subject + " " + m.subject + " " + m.text[:120])
        for p in ps:
            doc = doc.replace(p, " ")
        docs.append(doc)
    X = _tfidf(docs)
    # Messages sharing a place: an inverted index keeps the pairs to compare few.
    by_place: dict[str, list[int]] = {}
    for i, ps in enumerate(place_lists):
        for p in set(ps):
            by_place.setdefault(p, []).append(i)
    rows, cols = [], []
    for members in by_place.values():
        if len(members) < 2 or len(members) > 400:
            continue
        idx = np.array(members)
        sim = (X[idx] @ X[idx].T).toarray()
        a, b = np.nonzero(np.triu(sim >= similar, k=1))
        rows += idx[a].tolist()
        cols += idx[b].tolist()
    # Near duplicate subjects join without a shared place (chunked to keep memory small).
    S = _tfidf([BOILERPLATE.sub(" ", m.subject) for m in messages])
    sets = [set(ps) - {m.area_name} for m, ps in zip(messages, place_lists, strict=True)]
    for start in range(0, n, 1000):
        sim = (S[start:start + 1000] @ S.T).toarray()
        a, b = np.nonzero(sim >= very_similar)
        # ... but never across two different named places: the same matter elsewhere is another issue.
        keep = np.array([i + start < j and (not sets[i + start] or not sets[j] or bool(sets[i + start] & sets[j]))
                         for i, j in zip(a.tolist(), b.tolist(), strict=True)], dtype=bool)
        if keep.size == 0:
            continue
        rows += (a[keep] + start).tolist()
        cols += b[keep].tolist()
    from scipy.sparse import coo_matrix

    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _k, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    issues = []
    for members in groups.values():
        if len(members) < min_size:
            continue
        issues.append(_issue([messages[i] for i in members], [place_lists[i] for i in members], X[members]))
    issues.sort(key=lambda h: -h.heat)
    for rank, issue in enumerate(issues[:top], 1):
        issue.rank = rank
    return issues[:top]


def _issue(msgs: list[Message], place_lists: list[list[str]], X: object) -> HotIssue:
    counts = Counter(p for ps in place_lists for p in set(ps))
    place = counts.most_common(1)[0][0] if counts else ""
    centre = np.asarray(X.mean(axis=0))  # type: ignore[attr-defined]
    closeness = np.asarray(X @ centre.T).ravel()  # type: ignore[operator]
    representative = msgs[int(np.argmax(closeness))]
    problem = problem_of(representative.subject, place)
    times = [m.at for m in msgs if m.at]
    first, last = (min(times), max(times)) if times else (None, None)
    callers = {m.caller for m in msgs if m.caller}
    support = sum(m.support for m in msgs) + (len(callers) if not any(m.support for m in msgs) else 0)
    days = (last - first).days + 1 if first and last else 1
    heat = 3 * math.log1p(len(msgs)) + math.log1p(support) + 0.5 * math.log1p(days)
    name = f"{place}：{problem}" if place and place not in problem else problem
    msgs.sort(key=lambda m: (m.at or dt.datetime.min))
    return HotIssue(0, name, place, problem, round(heat, 2), msgs, first, last, support,
                    [p for p, _n in counts.most_common(3)])


def platform_messages(tickets: Iterable[tuple[int, str, str, dt.datetime, str, str]]) -> list[Message]:
    """(pk, title, description, created_at, citizen_phone, area name) rows of the platform's tickets."""
    return [Message(str(pk), clean(title), clean(desc), at, 0, phone, area or "")
            for pk, title, desc, at, phone, area in tickets]
