"""Owners' votes under the Civil Code of the PRC (民法典, in force 2021-01-01), article 278. Pure arithmetic.

Art. 278 ¶2 (quorum): 业主共同决定事项，应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决。
  → participating owners hold ≥ 2/3 of the total exclusive floor area AND are ≥ 2/3 of all owners by head.
Art. 278 ¶2 (major matters, items 6–8 of ¶1: 筹集建筑物及其附属设施的维修资金; 改建、重建建筑物及其附属设施;
  改变共有部分的用途或者利用共有部分从事经营活动):
  应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意。
  → "for" ≥ 3/4 of the participating area AND ≥ 3/4 of the participating heads.
Art. 278 ¶2 (other matters): 应当经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意。
  → "for" > 1/2 of the participating area AND > 1/2 of the participating heads.
In Chinese statutes "以上" includes the figure itself (≥) and "过半数" means strictly more than half (>).

Heads and area follow the Supreme People's Court's interpretation on building-unit ownership disputes
(法释〔2009〕7号, amended 2020), arts. 8–9: area is the registered exclusive floor area; the number of owners is
counted by exclusive parts, one part one head, except that one buyer owning several parts counts as ONE head.
So an owner of several dwelling units casts one ballot, counts once by head, and brings the sum of their areas.
An owner who hands in a ballot (for, against or abstain) has participated; only "for" counts towards approval.

All figures are exact: areas are Decimal and ratios are Fraction, so 2/3 and 3/4 boundaries are decided exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

ORDINARY, MAJOR = "ordinary", "major"
FOR, AGAINST, ABSTAIN = "for", "against", "abstain"

QUORUM = Fraction(2, 3)
THRESHOLDS = {ORDINARY: (Fraction(1, 2), False), MAJOR: (Fraction(3, 4), True)}  # (share, boundary counts)


@dataclass(frozen=True)
class Holding:
    """One owner with the total exclusive area of all their dwelling units."""

    owner: str
    area: Decimal


@dataclass(frozen=True)
class Check:
    name: str
    numerator: Fraction
    denominator: Fraction
    share: Fraction
    rule: str
    passed: bool

    def as_dict(self) -> dict[str, str | bool]:
        ratio = self.numerator / self.denominator if self.denominator else Fraction(0)
        return {"name": self.name, "numerator": _fmt(self.numerator), "denominator": _fmt(self.denominator),
                "ratio": f"{float(ratio):.4f}", "exact": f"{ratio.numerator}/{ratio.denominator}",
                "rule": self.rule, "passed": self.passed}


@dataclass
class Outcome:
    matter: str
    checks: list[Check] = field(default_factory=list)
    quorum: bool = False
    approved: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"matter": self.matter, "quorum": self.quorum, "approved": self.approved,
                "checks": [c.as_dict() for c in self.checks]}


def _fmt(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def _check(name: str, part: Fraction, whole: Fraction, share: Fraction, inclusive: bool) -> Check:
    if whole == 0:
        passed = False
    else:
        ratio = part / whole
        passed = ratio >= share if inclusive else ratio > share
    rule = ("≥ " if inclusive else "> ") + f"{share.numerator}/{share.denominator}"
    return Check(name, part, whole, share, rule, passed)


def tally(*, matter: str, holdings: list[Holding], ballots: dict[str, str]) -> Outcome:
    """The result of one vote. `holdings`: every owner in the electorate; `ballots`: owner -> for/against/abstain."""
    if matter not in THRESHOLDS:
        raise ValueError(matter)
    by_owner = {h.owner: Fraction(h.area) for h in holdings}
    unknown = set(ballots) - set(by_owner)
    if unknown:
        raise ValueError(f"ballots from owners outside the electorate: {sorted(unknown)}")
    total_area = sum(by_owner.values(), Fraction(0))
    total_heads = Fraction(len(by_owner))
    part_area = sum((by_owner[o] for o in ballots), Fraction(0))
    part_heads = Fraction(len(ballots))
    yes = [o for o, choice in ballots.items() if choice == FOR]
    yes_area = sum((by_owner[o] for o in yes), Fraction(0))
    yes_heads = Fraction(len(yes))
    outcome = Outcome(matter)
    outcome.checks.append(_check("quorum_area", part_area, total_area, QUORUM, True))
    outcome.checks.append(_check("quorum_heads", part_heads, total_heads, QUORUM, True))
    outcome.quorum = all(c.passed for c in outcome.checks)
    share, inclusive = THRESHOLDS[matter]
    outcome.checks.append(_check("approval_area", yes_area, part_area, share, inclusive))
    outcome.checks.append(_check("approval_heads", yes_heads, part_heads, share, inclusive))
    outcome.approved = all(c.passed for c in outcome.checks)
    return outcome
