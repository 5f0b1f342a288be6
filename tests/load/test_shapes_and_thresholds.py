"""Load shapes and the pass/fail gates, without starting Locust (its import patches the interpreter)."""

from dataclasses import dataclass, field

import pytest

from load import shapes, thresholds


@pytest.mark.parametrize("name", sorted(shapes.SHAPES))
def test_every_shape_starts_with_users_and_stops_at_its_end(name):
    plan = shapes.plan(name)
    users, spawn_rate = plan.tick(0)
    assert 1 <= users <= plan.peak_users
    assert spawn_rate >= 1
    assert max(plan.tick(t)[0] for t in range(int(plan.seconds))) == plan.peak_users
    assert plan.tick(plan.seconds) is None


def test_ramp_climbs_in_steps_and_spike_falls_back():
    ramp = shapes.plan("ramp", seconds=60, peak_users=60)
    counts = [ramp.tick(t)[0] for t in range(60)]
    assert counts == sorted(counts)
    assert len(set(counts)) == 6
    spike = shapes.plan("spike", seconds=30, peak_users=50)
    assert [spike.tick(t)[0] for t in (5, 15, 25)] == [10, 50, 10]


def test_seconds_and_peak_users_override_the_defaults():
    plan = shapes.plan("steady", seconds=5, peak_users=7)
    assert plan.tick(4.9)[0] == 7
    assert plan.tick(5) is None
    with pytest.raises(ValueError, match="unknown shape"):
        shapes.plan("tsunami")


@dataclass
class Entry:
    method: str
    name: str
    num_requests: int
    p95: float

    def get_response_time_percentile(self, share: float) -> float:
        assert share == 0.95
        return self.p95


@dataclass
class Total:
    num_requests: int
    num_failures: int

    @property
    def fail_ratio(self) -> float:
        return self.num_failures / self.num_requests if self.num_requests else 0.0


@dataclass
class Stats:
    """The part of Locust's RequestStats that the gates read."""

    total: Total
    entries: dict = field(default_factory=dict)


def stats(failures: int, *entries: Entry) -> Stats:
    return Stats(Total(sum(e.num_requests for e in entries), failures), dict(enumerate(entries)))


def test_a_clean_fast_run_passes():
    run = stats(0, Entry("GET", "/accounts", 100, 120), Entry("POST", "/auth/login", 5, 900))
    assert thresholds.breaches(run, thresholds.Limits.for_shape("steady")) == []


def test_smoke_allows_no_failure_and_other_shapes_one_percent():
    run = stats(1, Entry("GET", "/accounts", 200, 50))
    assert "failure ratio" in thresholds.breaches(run, thresholds.Limits.for_shape("smoke"))[0]
    assert thresholds.breaches(run, thresholds.Limits.for_shape("steady")) == []
    strict = thresholds.Limits.for_shape("steady", max_failure_ratio=0)
    assert thresholds.breaches(run, strict)


def test_a_slow_endpoint_group_breaches_its_p95_limit_scaled_by_the_factor():
    limit = thresholds.P95_MS["GET /reports/summary"]
    run = stats(0, Entry("GET", "/reports/summary", 50, limit * 2))
    [breach] = thresholds.breaches(run, thresholds.Limits.for_shape("steady"))
    assert "GET /reports/summary" in breach
    assert thresholds.breaches(run, thresholds.Limits.for_shape("steady", p95_factor=3)) == []
    # The smoke shape checks that journeys work; its limits are ten times looser.
    assert thresholds.breaches(run, thresholds.Limits.for_shape("smoke")) == []


def test_unknown_groups_get_the_default_limit_and_an_empty_run_fails():
    run = stats(0, Entry("GET", "/somewhere", 10, thresholds.DEFAULT_P95_MS + 1))
    assert thresholds.breaches(run, thresholds.Limits.for_shape("steady"))
    assert thresholds.breaches(stats(0), thresholds.Limits.for_shape("steady")) == ["no request was made"]
