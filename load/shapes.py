"""Load shapes: how many simulated users run at each moment of a test.

Each shape is a list of stages (share of the run, share of the peak users, how fast users join). The run
length and the peak are defaults that `--shape-seconds` and `--peak-users` override, so the same shape
serves a laptop and a staging cluster.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    until: float  # end of the stage as a share of the whole run (0-1]
    users: float  # share of the peak users during the stage
    spawn: float  # users started per second, as a share of the peak


@dataclass(frozen=True)
class Shape:
    name: str
    seconds: float
    peak_users: int
    stages: tuple[Stage, ...]
    description: str


def _ramp_stages(steps: int, hold: float) -> tuple[Stage, ...]:
    climb = 1 - hold
    return (
        *(
            Stage(until=climb * (step + 1) / steps, users=(step + 1) / steps, spawn=0.1)
            for step in range(steps)
        ),
        Stage(until=1.0, users=1.0, spawn=0.1),
    )


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape(
            "smoke",
            seconds=10,
            peak_users=3,
            stages=(Stage(until=1.0, users=1.0, spawn=1.0),),
            description="a few users for seconds: every journey works end to end",
        ),
        Shape(
            "ramp",
            seconds=300,
            peak_users=50,
            stages=_ramp_stages(steps=6, hold=0.2),
            description="users grow in six steps to the peak, then hold: where does latency bend?",
        ),
        Shape(
            "steady",
            seconds=600,
            peak_users=30,
            stages=(Stage(until=1.0, users=1.0, spawn=0.1),),
            description="a constant load: the numbers to compare between releases",
        ),
        Shape(
            "spike",
            seconds=300,
            peak_users=60,
            stages=(
                Stage(until=1 / 3, users=0.2, spawn=0.1),
                Stage(until=2 / 3, users=1.0, spawn=1.0),
                Stage(until=1.0, users=0.2, spawn=1.0),
            ),
            description="a quiet base, a sudden burst to the peak, and back: recovery after overload",
        ),
        Shape(
            "soak",
            seconds=3600,
            peak_users=20,
            stages=(Stage(until=1.0, users=1.0, spawn=0.1),),
            description="a moderate load for an hour: leaks, growing latency, expiring tokens",
        ),
    )
}


@dataclass(frozen=True)
class Plan:
    """A shape with its run length and peak fixed: answers how many users to run at a given second."""

    shape: Shape
    seconds: float
    peak_users: int

    def tick(self, elapsed: float) -> tuple[int, float] | None:
        if elapsed >= self.seconds:
            return None
        for stage in self.shape.stages:
            if elapsed < stage.until * self.seconds:
                users = max(1, round(stage.users * self.peak_users))
                return users, max(1.0, stage.spawn * self.peak_users)
        return None


def plan(name: str, *, seconds: float = 0, peak_users: int = 0) -> Plan:
    """The named shape, with its defaults where `seconds` or `peak_users` is 0."""
    try:
        shape = SHAPES[name]
    except KeyError:
        raise ValueError(f"unknown shape {name!r}; choose one of {', '.join(SHAPES)}") from None
    return Plan(shape=shape, seconds=seconds or shape.seconds, peak_users=peak_users or shape.peak_users)
