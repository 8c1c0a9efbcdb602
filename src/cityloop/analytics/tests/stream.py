"""A constructed ticket stream for the emerging-topic tests: stable topics every day, one-off matters now and
then, and from day `NEW_DAY` on a new topic (electric bikes charged in stairwells) two or three times a day."""

from __future__ import annotations

import datetime as dt

import numpy as np

from cityloop.analytics.novelty import Doc

START = dt.date(2026, 1, 1)
DAYS = 75
NEW_DAY = 60  # index of the day the new topic appears
PLACES = ["望江社区", "滨江花园", "江岸小区", "和平里", "幸福家园", "新华路", "解放大道", "建设街", "青山苑", "丽水湾",
          "金色港湾", "东湖路"]
STABLE = [  # (category, titles, descriptions): each ticket mixes one title and one description of its topic
    (1, ["{p}门口垃圾没人清运", "{p}垃圾桶满了", "{p}垃圾堆积发臭"],
     ["{p}{n}号楼门口垃圾{k}天没人清运，气味很大。", "{p}的垃圾桶已经满了{k}天，环卫没来收。",
      "{p}垃圾站周边垃圾堆积，夏天发臭，希望尽快清运。"]),
    (2, ["{p}夜间施工噪音扰民", "{p}工地噪音", "{p}晚上施工太吵"],
     ["{p}附近工地每天晚上{n}点以后还在施工，噪音很大，影响休息。", "{p}旁边的工地夜间打桩，吵得睡不着。",
      "{p}工地施工噪音扰民，已经持续{k}天。"]),
    (3, ["{p}路灯不亮", "{p}路灯坏了", "{p}晚上没有路灯"],
     ["{p}{n}号楼前的路灯坏了{k}天，晚上出行不安全。", "{p}一段路的路灯都不亮，老人晚上容易摔倒。",
      "{p}路灯损坏无人维修，请尽快修复。"]),
    (4, ["{p}车辆乱停堵塞消防通道", "{p}乱停车", "{p}消防通道被占"],
     ["{p}有车辆长期停在消防通道上，存在安全隐患。", "{p}小区内乱停车，{n}号楼门口被堵住。",
      "{p}消防通道被私家车占用{k}天了，物业不管。"]),
    (5, ["{p}停水没有通知", "{p}自来水停了", "{p}水压太低"],
     ["{p}从早上开始停水，没有任何通知，已经{k}天。", "{p}{n}号楼自来水水压太低，高层用不上水。",
      "{p}经常停水，希望供水公司给个说法。"]),
    (6, ["{p}电梯经常故障", "{p}电梯坏了", "{p}物业不维修电梯"],
     ["{p}{n}号楼电梯这个月坏了{k}次，物业维修不及时。", "{p}电梯经常停运，老人上下楼困难。",
      "{p}电梯故障困人，物业至今没有处理。"]),
]
ONE_OFF = [  # each said once, on a random day: new to the history, but nobody else raises it
    "{p}有一只受伤的流浪狗需要救助", "咨询{p}附近的社保卡补办地点", "{p}公交站牌上的时刻表写错了",
    "{p}有人在河边钓鱼，想问是否允许", "{p}菜市场的电子秤不准", "{p}的共享单车被扔进了绿化带",
    "{p}广场舞音箱声音太大", "{p}小学门口的斑马线褪色了", "{p}有商户占道经营卖水果", "{p}公园的长椅坏了",
    "{p}附近的银行网点关门了，想问搬到哪里", "{p}驾驶证到期换证需要什么材料", "{p}有人在小区里养鸡",
    "{p}的快递柜经常满，取件不便", "{p}下水道井盖松动，踩上去会响",
]
NEW_TOPIC = (["{p}电动车楼道充电", "{p}有人在楼道给电动车充电", "{p}电瓶车飞线充电"],
             ["{p}{n}号楼有住户把电动车推进楼道充电，存在火灾隐患。", "{p}有人从窗户拉电线给楼下的电瓶车充电，很危险。",
              "{p}楼道里停满电动车，晚上还在充电，担心起火。"])


def _text(rng: np.random.Generator, pattern: str) -> str:
    return pattern.format(p=PLACES[int(rng.integers(len(PLACES)))], n=int(rng.integers(1, 30)),
                          k=int(rng.integers(2, 8)))


def stream(seed: int = 1, per_day: int = 12, new_per_day: int = 3) -> list[Doc]:
    rng = np.random.default_rng(seed)
    docs: list[Doc] = []

    def add(day: int, title: str, description: str, category: int | None) -> None:
        docs.append(Doc(len(docs) + 1, START + dt.timedelta(days=day), title, description, category,
                        f"1/2/{3 + len(docs) % 2}/"))

    one_off_days = rng.choice(DAYS, size=len(ONE_OFF), replace=False)
    for day in range(DAYS):
        for _i in range(int(rng.poisson(per_day))):
            category, titles, descriptions = STABLE[int(rng.integers(len(STABLE)))]
            add(day, _text(rng, titles[int(rng.integers(3))]), _text(rng, descriptions[int(rng.integers(3))]),
                category)
        for k in np.flatnonzero(one_off_days == day):
            add(day, _text(rng, ONE_OFF[k]), "", None)
        if day >= NEW_DAY:
            for _i in range(int(rng.integers(new_per_day - 1, new_per_day + 1))):
                add(day, _text(rng, NEW_TOPIC[0][int(rng.integers(3))]),
                    _text(rng, NEW_TOPIC[1][int(rng.integers(3))]), 4)
    return docs


def is_new_topic(doc: Doc) -> bool:
    return doc.day >= START + dt.timedelta(days=NEW_DAY) and ("充电" in doc.title or "充电" in doc.description)
