"""Hot issues: grouping by matter and place, naming, heat; coherence on a hand-checked sample of fj3."""

import datetime as dt
from pathlib import Path

import pytest

from cityloop.analytics.hot import Message, hot_issues, places_in, read_fj3

FJ3 = Path("/work/shared/data/tipdm2020c/fj3_messages_with_votes.csv")


def msg(i: int, subject: str, day: int = 1, support: int = 0) -> Message:
    return Message(str(i), subject, subject, dt.datetime(2024, 1, day), support)


def test_places_are_named_places_not_fragments() -> None:
    assert places_in("A3区西湖街道茶场村五组什么时候能拆迁") == ["西湖街道", "茶场村"]
    assert places_in("魅力之城小区临街门面油烟直排扰民") == ["魅力之城"]
    assert places_in("A市富绿物业丽发新城强行断业主家水") == ["富绿物业", "丽发新城"]
    assert places_in("已完成约800米路") == []
    assert places_in("老板跑路了") == []


def test_same_matter_same_place_grouped_and_ranked_by_heat() -> None:
    messages = [
        msg(1, "望江小区楼下烧烤油烟扰民", 1), msg(2, "望江小区烧烤店油烟严重扰民", 3),
        msg(3, "望江小区楼下烧烤油烟太大", 9, support=50),
        msg(4, "滨江花园电梯经常故障", 2), msg(5, "滨江花园电梯频繁出故障", 4),
        msg(6, "望江小区电梯故障", 5),  # same place, another matter
        msg(7, "滨江花园烧烤油烟扰民", 6),  # same matter, another place
        msg(8, "公交车太少", 7),
    ]
    issues = hot_issues(messages, top=5)
    groups = [sorted(m.id for m in issue.messages) for issue in issues]
    assert groups == [["1", "2", "3"], ["4", "5"]]
    assert issues[0].place == "望江小区"
    assert "油烟" in issues[0].name
    assert issues[0].support == 50
    assert issues[0].days == 9
    assert issues[0].heat > issues[1].heat
    assert [i.rank for i in issues] == [1, 2]


# Hand-checked on fj3 (read every message of each group): the same matter at the same place.
SAMPLE = {
    "伊景园滨河苑": {"209571", "234633", "236301", "255507", "268299", "286304"},  # 捆绑销售车位
    "泉星公园": {"226408", "238692", "273741", "289574", "278281", "278545"},  # 项目规划优化
    "茶场村": {"254063", "189093", "214447", "266213", "214709", "197669"},  # 五组拆迁规划
    "诺亚山林小区": {"210107", "194022", "258186", "252413"},  # 反对在小区门口设医院
}


@pytest.mark.skipif(not FJ3.exists(), reason="fj3 data not present")
def test_fj3_sample_groups_are_coherent() -> None:
    everything = read_fj3(FJ3)
    wanted = set().union(*SAMPLE.values())
    # The sample's messages, every message naming their places, and every 8th message as distractors.
    messages = [m for i, m in enumerate(everything)
                if m.id in wanted or i % 8 == 0 or any(p in m.subject + m.text for p in SAMPLE)]
    issues = hot_issues(messages, top=1000)
    group_of = {m.id: issue for issue in issues for m in issue.messages}
    for place, ids in SAMPLE.items():
        groups = {id(group_of[i]) for i in ids if i in group_of}
        assert len(groups) == 1, place
        assert all(i in group_of for i in ids), place
        issue = group_of[next(iter(ids))]
        assert place in issue.name, (place, issue.name)
        # coherent: nearly every message of the group is about this place
        about = sum(place in m.subject + m.text for m in issue.messages)
        assert about >= 0.8 * len(issue.messages), (place, [m.subject for m in issue.messages])
    assert len({id(group_of[next(iter(ids))]) for ids in SAMPLE.values()}) == len(SAMPLE)
