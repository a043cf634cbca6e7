"""Running a Hypothesis state machine of the app (and the sandbox) as one test."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine


def run_sequences(
    machine: type[RuleBasedStateMachine], *, examples: int, steps: int, **given: Any
) -> None:
    """Run ``machine`` for ``examples`` sequences of up to ``steps`` steps, ``given`` set on
    the class first (the app, the sandbox: the fixtures every sequence shares). No deadline:
    a step talks to real servers."""
    for name, value in given.items():
        setattr(machine, name, value)
    case = machine.TestCase
    case.settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    case().runTest()
