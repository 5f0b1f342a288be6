"""The lock files must pin every dependency pyproject.toml declares, at a version its range accepts."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {
        canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", text, re.M)
    }


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("base.lock", PROJECT["dependencies"]),
        ("dev.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
    ],
)
def test_every_declared_dependency_is_pinned_within_its_range(lock, requirements):
    pinned = pins(lock)
    problems = []
    for line in requirements:
        requirement = Requirement(line)
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_the_base_lock_pins_what_the_dev_lock_pins():
    """`make run` installs base.lock into the same .venv as the whole toolchain: it must change nothing."""
    dev = pins("dev.lock")
    differing = {
        name: (version, dev.get(name))
        for name, version in pins("base.lock").items()
        if dev.get(name) != version
    }
    assert not differing, f"run `make lock`: base.lock and dev.lock disagree on {differing}"
