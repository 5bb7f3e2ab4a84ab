"""An author's unknown key: a near-synonym from another tool gets the key it means, a
near-spelling its key, and a word like no key the list of keys."""

from __future__ import annotations

import pytest

from engine import SpecError
from engine.spec import KEYS, normalize_spec


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("learning_rate", "lr"),
        ("iterations", "steps"),
        ("epochs", "steps"),
        ("x0", "start"),
        ("tolerance", "tol"),
        ("scheduler", "schedule"),
        ("Learning_Rate", "lr"),
        ("stepz", "steps"),
    ],
)
def test_an_unknown_key_gets_the_key_it_means(key, meant):
    with pytest.raises(SpecError) as refused:
        normalize_spec({"function": "x**2", key: 1})
    [issue] = refused.value.issues
    assert issue.path == (key,)
    assert issue.message == f"unknown key {key!r}; did you mean {meant!r}?"


def test_a_key_like_no_other_lists_the_keys():
    with pytest.raises(SpecError) as refused:
        normalize_spec({"function": "x**2", "zzz": 1})
    message = refused.value.issues[0].message
    assert message.startswith("unknown key 'zzz' (a demo's keys are: function, params, ")
    assert all(key in message for key in KEYS)
