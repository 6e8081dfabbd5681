"""Resharding plans without a broker: ranges, lineage and short-lived shards."""

from __future__ import annotations

import itertools

import pytest

from cadabra.streams import MAX_HASH_KEY, even_ranges
from cadabra.streams.models import ShardInfo, StreamState
from cadabra.streams.reshard_plan import merge_plan, split_plan, uniform_plan

NOW = 1_700_000_000_000


def _stream(ranges: list[tuple[int, int]]) -> StreamState:
    state = StreamState("s", "ACTIVE", NOW - 1000, 24, 1024)
    state.shards = [ShardInfo(i, start, end) for i, (start, end) in enumerate(ranges)]
    return state


def _after(state: StreamState, target: int) -> tuple[StreamState, list[ShardInfo]]:
    """The state with a UNIFORM_SCALING plan applied, and the plan's new shards."""
    plan = uniform_plan(state, target, NOW)
    for index in plan.closing:
        state.shards[index].closed_ms = NOW
        state.shards[index].ending_offset = 7
    state.shards.extend(plan.new)
    return state, plan.new


def test_split_gives_two_children_of_the_parent() -> None:
    state = _stream(even_ranges(2))
    plan = split_plan(state, state.shards[1], 2**127 + 10, NOW)
    assert plan.closing == [1]
    lower, upper = plan.new
    assert (lower.index, upper.index) == (2, 3)
    assert (lower.starting_hash_key, lower.ending_hash_key) == (2**127, 2**127 + 9)
    assert (upper.starting_hash_key, upper.ending_hash_key) == (2**127 + 10, MAX_HASH_KEY)
    assert lower.parent == upper.parent == 1
    assert lower.adjacent_parent is None
    assert lower.created_ms == NOW
    assert lower.is_open and upper.is_open


def test_merge_gives_one_child_with_both_parents() -> None:
    state = _stream(even_ranges(3))
    plan = merge_plan(state, state.shards[2], state.shards[1], NOW)
    assert plan.closing == [2, 1]
    [child] = plan.new
    assert (child.parent, child.adjacent_parent) == (2, 1)
    assert (child.starting_hash_key, child.ending_hash_key) == (even_ranges(3)[1][0], MAX_HASH_KEY)


@pytest.mark.parametrize(
    ("current", "target"),
    [(n, t) for n in range(1, 9) for t in range(1, 17) if n <= 2 * t and t <= 2 * n and n != t],
)
def test_uniform_scaling_reaches_equal_shards_through_splits_and_merges(
    current: int, target: int
) -> None:
    state, new = _after(_stream(even_ranges(current)), target)
    assert sorted((s.starting_hash_key, s.ending_hash_key) for s in state.open_shards) == (
        even_ranges(target)
    )
    known = set(range(current))
    for shard in new:  # in index order, each parent exists before its child
        parents = {shard.parent, shard.adjacent_parent} - {None}
        assert 1 <= len(parents) <= 2
        assert parents <= known
        known.add(shard.index)
    for shard in new:
        if not shard.is_open:  # short-lived: created and closed at once, never written
            assert (shard.closed_ms, shard.ending_offset) == (NOW, shard.starting_offset)
    assert [s.index for s in new] == list(range(current, current + len(new)))


def test_uniform_scaling_leaves_shards_that_already_fit() -> None:
    half = 2**127
    ranges = [(0, half - 1), (half, half + 2**125 - 1), (half + 2**125, MAX_HASH_KEY)]
    state, new = _after(_stream(ranges), 2)
    assert state.shards[0].is_open
    [child] = new
    assert (child.parent, child.adjacent_parent) == (1, 2)


def test_every_hash_key_has_exactly_one_open_shard_after_any_sequence() -> None:
    state = _stream(even_ranges(3))
    for target in (5, 7, 4, 2, 3, 6):
        state, _ = _after(state, target)
        ranges = sorted((s.starting_hash_key, s.ending_hash_key) for s in state.open_shards)
        assert ranges[0][0] == 0
        assert ranges[-1][1] == MAX_HASH_KEY
        for (_, end), (start, _) in itertools.pairwise(ranges):
            assert start == end + 1
