"""Opinion groups on constructed electorates with a known structure."""

import numpy as np

from cityloop.deliberation.consensus import analyse, vote_matrix


def build(blocks: list[tuple[int, list[int]]], *, density: float = 1.0, seed: int = 1) -> tuple:  # type: ignore[type-arg]
    """blocks: (group size, the group's vote on each statement)."""
    rng = np.random.default_rng(seed)
    rows, cols, vals = [], [], []
    person = 0
    for size, pattern in blocks:
        for _ in range(size):
            for j, v in enumerate(pattern):
                if rng.random() <= density:
                    rows.append(person)
                    cols.append(j)
                    vals.append(v if rng.random() > 0.05 else 0)
            person += 1
    shape = (person, len(blocks[0][1]))
    return vote_matrix(np.array(rows), np.array(cols), np.array(vals), shape)


def partition(result) -> set[frozenset[int]]:  # type: ignore[no-untyped-def]
    return {frozenset(g.members) for g in result.groups}


def test_two_opposed_groups_sharing_two_statements() -> None:
    a = [1, 1, 1, -1, -1, -1, 1, 1]  # the last two are shared
    b = [-1, -1, -1, 1, 1, 1, 1, 1]
    result = analyse(build([(30, a), (30, b)]))
    assert result.k == 2
    assert partition(result) == {frozenset(range(30)), frozenset(range(30, 60))}
    assert sorted(result.consensus) == [6, 7]
    first = next(g for g in result.groups if 0 in g.members)
    assert {r["statement"] for r in first.representative if r["kind"] == "agree"} <= {0, 1, 2}
    assert first.representative


def test_three_groups() -> None:
    a = [1, 1, -1, -1, -1, -1, 1, 0]
    b = [-1, -1, 1, 1, -1, -1, 1, 1]
    c = [-1, -1, -1, -1, 1, 1, 1, -1]
    result = analyse(build([(25, a), (25, b), (25, c)]))
    assert result.k == 3
    assert partition(result) == {frozenset(range(25)), frozenset(range(25, 50)), frozenset(range(50, 75))}
    assert result.consensus == [6]


def test_many_sparse_voters() -> None:
    a = [1] * 10 + [-1] * 10 + [1] * 3
    b = [-1] * 10 + [1] * 10 + [1] * 3
    result = analyse(build([(200, a), (200, b)], density=0.45, seed=3))
    assert result.k == 2
    # the few who cast fewer than seven votes are left out; everybody else is grouped with their own side
    for group in result.groups:
        sides = {member < 200 for member in group.members}
        assert len(sides) == 1
    assert len(result.participants) > 350
    assert set(result.consensus) == {20, 21, 22}


def test_too_few_voters_still_answers() -> None:
    result = analyse(build([(2, [1, 1, -1])]))
    assert result.k == 1
    assert len(result.participants) == 2
