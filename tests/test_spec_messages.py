"""An author's unknown key: a near-synonym from another tool gets the key it means, a
near-spelling its key, and a word like no key the list of keys."""

from __future__ import annotations

import pytest

from engine import SpecError
from engine.keys import DEMO_KEYS, KEYS
from engine.spec import normalize_spec


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


# A value no row of the table allows, for each kind of row.
NOT_ALLOWED = {"true or false": "yes", "text": 12}
PLAIN_KEYS = [name for name, key in DEMO_KEYS.items() if key.value is not None]


@pytest.mark.parametrize("key", PLAIN_KEYS)
def test_a_key_checked_on_its_own_is_checked_by_its_row(key):
    """The table, not code, says what each such key allows: a value its row refuses is an
    error at the key, in the row's own words, and the demo runs with the row's default."""
    row = DEMO_KEYS[key].value
    value = NOT_ALLOWED.get(row.allowed, {"not": "allowed"})
    assert not row.check(value)
    with pytest.raises(SpecError) as refused:
        normalize_spec({"function": "x**2 + y**2", "plots": ["contour", "sweep"], key: value})
    [issue] = [i for i in refused.value.issues if i.path == (key,)]
    assert issue.message == f"{key} must be {row.allowed}, got {value!r}"
    assert row.check(row.default)
    assert key in normalize_spec({"function": "x**2"}) or not DEMO_KEYS[key].kept


def test_a_named_value_gets_the_name_it_means():
    with pytest.raises(SpecError) as refused:
        normalize_spec({"function": "x**2", "path": "line"})
    assert refused.value.issues[0].message.endswith("; did you mean 'lines'?")


@pytest.mark.parametrize("table", ["fit", "sweep", "basins", "contours", "scale"])
def test_an_unknown_option_of_a_nested_table_lists_its_options(table):
    spec = {"fit": {}} if table == "fit" else {"function": "x**2 + y**2"}
    spec["plots"] = "multiples" if table != "fit" else "fit"
    spec["compare"] = {"lr": [0.1, 0.2]}
    spec[table] = {**spec.get(table, {}), "qqqq": 1}
    with pytest.raises(SpecError) as refused:
        normalize_spec(spec)
    [issue] = [i for i in refused.value.issues if i.path == (table, "qqqq")]
    options = ", ".join(DEMO_KEYS[table].options)
    assert issue.message == f"unknown {table} option 'qqqq' ({table} takes {options})"


def test_scale_on_a_race_points_at_its_colour_scale():
    with pytest.raises(SpecError) as refused:
        normalize_spec(
            {
                "function": "x**2 + y**2",
                "optimizer": ["gd", "adam"],
                "plots": "race",
                "scale": {"y": "log"},
            }
        )
    assert "'contours: {scale: log}'" in refused.value.issues[0].message


def test_a_demos_own_problem_is_not_repeated_as_each_compared_values():
    """compare's values are checked only once the demo itself is right: a wrong sweep is one
    error at sweep, not one more per panel."""
    with pytest.raises(SpecError) as refused:
        normalize_spec(
            {
                "function": "x**2 + y**2",
                "plots": ["multiples", "sweep"],
                "compare": {"lr": [0.1, 0.2]},
                "sweep": {"min": 2, "max": 1},
            }
        )
    assert [issue.path for issue in refused.value.issues] == [("sweep", "min")]
