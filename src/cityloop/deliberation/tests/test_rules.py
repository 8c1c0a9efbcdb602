"""Art. 278 at every boundary, with exact figures."""

from decimal import Decimal

import pytest

from cityloop.deliberation.rules import ABSTAIN, AGAINST, FOR, MAJOR, ORDINARY, Holding, tally


def owners(*areas: str) -> list[Holding]:
    return [Holding(f"o{i}", Decimal(a)) for i, a in enumerate(areas)]


def checks(outcome):  # type: ignore[no-untyped-def]
    return {c.name: c.passed for c in outcome.checks}


def test_exactly_two_thirds_by_area_but_not_by_head() -> None:
    # 6 owners; o0 holds 400 of 600 m²: o0 alone is exactly 2/3 of the area but 1/6 of the heads
    holding = owners("400", "40", "40", "40", "40", "40")
    outcome = tally(matter=ORDINARY, holdings=holding, ballots={"o0": FOR})
    assert checks(outcome)["quorum_area"] is True
    assert checks(outcome)["quorum_heads"] is False
    assert outcome.quorum is False
    assert outcome.approved is False
    # 4 of 6 heads is exactly 2/3 too: quorum reached by both
    outcome = tally(matter=ORDINARY, holdings=holding, ballots={"o0": FOR, "o1": FOR, "o2": AGAINST, "o3": FOR})
    assert outcome.quorum is True
    assert outcome.approved is True


def test_just_under_two_thirds_by_area() -> None:
    holding = owners("100", "100", "100.01")
    assert tally(matter=ORDINARY, holdings=holding, ballots={"o0": FOR, "o1": FOR}).quorum is False
    assert tally(matter=ORDINARY, holdings=holding, ballots={"o0": FOR, "o2": FOR}).quorum is True


def test_exactly_one_half_is_not_more_than_half() -> None:
    holding = owners("50", "50", "50", "50")
    outcome = tally(matter=ORDINARY, holdings=holding, ballots={"o0": FOR, "o1": FOR, "o2": AGAINST, "o3": ABSTAIN})
    assert outcome.quorum is True
    assert checks(outcome)["approval_area"] is False
    assert checks(outcome)["approval_heads"] is False
    assert outcome.approved is False
    outcome = tally(matter=ORDINARY, holdings=holding,
                    ballots={"o0": FOR, "o1": FOR, "o2": FOR, "o3": AGAINST})
    assert outcome.approved is True


def test_exactly_three_quarters_passes_a_major_matter() -> None:
    holding = owners("10", "10", "10", "10")
    outcome = tally(matter=MAJOR, holdings=holding, ballots={"o0": FOR, "o1": FOR, "o2": FOR, "o3": AGAINST})
    assert outcome.approved is True
    assert [c["exact"] for c in outcome.as_dict()["checks"]][2:] == ["3/4", "3/4"]  # type: ignore[index]
    # 3/4 of the heads but less than 3/4 of the area
    holding = owners("10", "10", "10", "15")
    outcome = tally(matter=MAJOR, holdings=holding, ballots={"o0": FOR, "o1": FOR, "o2": FOR, "o3": AGAINST})
    assert checks(outcome) == {"quorum_area": True, "quorum_heads": True, "approval_area": False,
                               "approval_heads": True}
    assert outcome.approved is False
    # the same figures pass as an ordinary matter
    assert tally(matter=ORDINARY, holdings=holding,
                 ballots={"o0": FOR, "o1": FOR, "o2": FOR, "o3": AGAINST}).approved is True


def test_abstaining_owners_participate_but_do_not_approve() -> None:
    holding = owners("10", "10", "10")
    outcome = tally(matter=ORDINARY, holdings=holding, ballots={"o0": FOR, "o1": ABSTAIN, "o2": ABSTAIN})
    assert outcome.quorum is True
    assert outcome.approved is False


def test_no_ballots_and_outsiders() -> None:
    holding = owners("10")
    assert tally(matter=ORDINARY, holdings=holding, ballots={}).approved is False
    with pytest.raises(ValueError, match="outside the electorate"):
        tally(matter=ORDINARY, holdings=holding, ballots={"stranger": FOR})
