"""Issue 34: a race where each optimizer has its own rate (and momentum, betas, ε, clipping,
warm-up, schedule): runs, legends, sliders such as ``lr.adam``, their keyframes, and the
prose's numbers."""

from __future__ import annotations

import json
import re

import pytest

from downhill.controls import build_controls
from downhill.keyframes import keyframes
from engine import SpecError, normalize_spec, render_demo
from engine.descent import descend
from engine.expr import compile_expression
from engine.schedules import Schedule

from .test_iterates import render

RACE = {
    "function": "x**2 + 10*y**2",
    "start": [1.5, 1.2],
    "optimizer": ["gd", "adam", "newton"],
    "lr": {"gd": 0.001, "adam": 0.05, "newton": 1},
    "steps": 30,
    "plots": ["race", "loss"],
}


def test_each_optimizer_runs_at_its_own_rate_and_its_legend_says_so():
    result = render_demo(RACE)
    f = compile_expression(RACE["function"]).bind()
    for run, name in zip(result["runs"], RACE["optimizer"], strict=True):
        own = descend(f, RACE["start"], name, RACE["lr"][name], RACE["steps"])
        assert run["end"] == list(own.points[-1])
    names = [t["name"] for t in result["figures"][1]["data"] if t.get("meta", {}).get("path")]
    assert names == ["gradient descent, α = 0.001", "Adam, α = 0.05", "Newton's method, α = 1"]


def test_other_settings_and_schedules_per_optimizer():
    spec = {
        "function": "x**2 + 10*y**2",
        "start": [1.5, 1.2],
        "optimizer": ["gd", "momentum"],
        "lr": 0.01,
        "momentum": {"momentum": 0.5},
        "warmup": {"gd": 4},
        "schedule": {"gd": {"kind": "cosine", "T_max": 30}},
        "steps": 30,
        "plots": ["loss"],
    }
    result = render_demo(spec)
    f = compile_expression(spec["function"]).bind()
    gd = descend(
        f,
        spec["start"],
        "gd",
        0.01,
        30,
        schedule=Schedule("cosine", (("T_max", 30), ("eta_min", 0.0)), 4),
    )
    heavy = descend(f, spec["start"], "momentum", 0.01, 30, momentum=0.5)
    assert [r["end"] for r in result["runs"]] == [list(gd.points[-1]), list(heavy.points[-1])]
    names = [t["name"] for t in result["figures"][0]["data"] if t.get("meta", {}).get("path")]
    assert names == [
        "gradient descent, α = 0.01, 4-step warm-up, cosine schedule",
        "momentum, α = 0.01, μ = 0.5",
    ]


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        ({"lr": {"gd": 0.1, "adma": 0.1}}, ("lr", "adma"), "not an optimizer of this demo"),
        ({"lr": {"gd": -1}}, ("lr", "gd"), "lr.gd = -1 is out of range"),
    ],
)
def test_own_setting_mistakes_name_their_key(raw, path, words):
    with pytest.raises(SpecError) as refused:
        normalize_spec({"function": "x**2", "start": [1], "optimizer": ["gd", "adam"], **raw})
    [issue] = refused.value.issues
    assert issue.path == path and words in issue.message


def test_a_slider_for_one_optimizers_rate_and_its_keyframes():
    raw = {**RACE, "controls": {"lr.adam": {"min": 0.01, "max": 0.2, "step": 0.01}}}
    spec = normalize_spec(raw)
    controls, problems = build_controls(raw["controls"], spec)
    assert problems == [] and controls[0].path == ["lr", "adam"] and controls[0].value == 0.05
    frames = json.loads(keyframes(raw, render_demo(raw), controls).text)
    entry = frames["controls"]["lr.adam"]
    frame = frames["frames"][entry["frames"][entry["positions"].index(0.2)]]
    moved = render_demo({**RACE, "lr": {**RACE["lr"], "adam": 0.2}})
    assert frame["summary"] == moved["summary"]
    assert set(frame["figures"][0]["traces"]) <= {str(k) for k in range(20)}
    adam = next(t for t in moved["figures"][1]["data"] if t.get("legendgroup") == "adam")
    assert adam["name"] == "Adam, α = 0.2"


def test_the_prose_quotes_a_runs_own_setting(tmp_path):
    body = (
        "Adam ran at {=race@adam.lr} and ended at {=race@adam.x:.3f}; GD at {=race@gd.lr}.\n\n"
        "```demo\nid: race\nfunction: x**2 + 10*y**2\nstart: [1.5, 1.2]\n"
        "optimizer: [gd, adam]\nlr: {gd: 0.001, adam: 0.05}\nsteps: 30\n```\n"
    )
    html, errors = render(tmp_path, body)
    assert errors == []
    numbers = re.findall(r'<span class="engine-number"[^>]*>([^<]*)</span>', html)
    ends = render_demo({**RACE, "optimizer": ["gd", "adam"], "lr": {"gd": 0.001, "adam": 0.05}})
    assert numbers == ["0.05", f"{ends['runs'][1]['end'][0]:.3f}".replace("-", "−"), "0.001"]


SCHEDULES = {
    "function": "x**2 + 10*y**2",
    "start": [1.5, 1.2],
    "lr": 0.09,
    "steps": 40,
    "schedule": {"kind": "cosine", "T_max": 40},
    "controls": {
        "schedule": {
            "options": [
                "none",
                {"kind": "step", "step_size": 10, "gamma": 0.5},
                {"kind": "cosine", "T_max": 40},
            ]
        }
    },
}


def test_a_select_of_whole_schedules_and_its_keyframes():
    spec = normalize_spec(SCHEDULES)
    (control,), problems = build_controls(SCHEDULES["controls"], spec)
    assert problems == [] and control.json and control.path == ["schedule"]
    assert control.labels == [
        "constant",
        "step, step_size 10, gamma 0.5",
        "cosine, T_max 40, eta_min 0",
    ]
    assert control.value == control.options[2]  # the demo's own schedule, normalized
    frames = json.loads(keyframes(SCHEDULES, render_demo(SCHEDULES), [control]).text)
    entry = frames["controls"]["schedule"]
    step = frames["frames"][entry["frames"][1]]
    expected = render_demo(
        {**SCHEDULES, "schedule": {"kind": "step", "step_size": 10, "gamma": 0.5}}
    )
    assert step["summary"] == expected["summary"]
    constant = frames["frames"][entry["frames"][0]]
    assert constant["summary"] == render_demo({**SCHEDULES, "schedule": None})["summary"]


def test_a_schedule_option_the_engine_refuses_is_an_error_at_it():
    raw = {**SCHEDULES, "controls": {"schedule": {"options": ["none", {"kind": "cosin"}]}}}
    _, problems = build_controls(raw["controls"], normalize_spec({**raw, "controls": {}}))
    (path, message), *_ = problems
    assert path == ("controls", "schedule", "options", 1) and "did you mean 'cosine'" in message


def test_a_select_of_schedule_kinds_and_its_keyframes():
    """``schedule.kind`` offers kinds: the demo's own with its constants, another with its
    defaults; each option sets the whole schedule, and its keyframe is a run with it."""
    raw = {**SCHEDULES, "controls": {"schedule.kind": {"options": ["none", "step", "cosine"]}}}
    (control,), problems = build_controls(raw["controls"], normalize_spec(raw))
    assert problems == [] and control.json and control.path == ["schedule"]
    assert control.name == "schedule.kind"
    assert control.labels == [
        "constant",
        "step, step_size 10, gamma 0.5",
        "cosine, T_max 40, eta_min 0",
    ]
    frames = json.loads(keyframes(raw, render_demo(raw), [control]).text)
    step = frames["frames"][frames["controls"]["schedule.kind"]["frames"][1]]
    expected = {**raw, "schedule": {"kind": "step", "step_size": 10, "gamma": 0.5}}
    assert step["summary"] == render_demo(expected)["summary"]


def test_a_kind_select_names_a_wrong_kind_and_wants_the_demos_own():
    raw = {**SCHEDULES, "controls": {"schedule.kind": {"options": ["none", "stpe"]}}}
    _, problems = build_controls(raw["controls"], normalize_spec({**raw, "controls": {}}))
    assert problems == [
        (
            ("controls", "schedule.kind", "options", 1),
            "unknown schedule kind 'stpe'; did you mean 'step'? "
            "(one of none, step, exponential, cosine)",
        )
    ]
    raw = {**SCHEDULES, "controls": {"schedule.kind": {"options": ["none", "step"]}}}
    _, problems = build_controls(raw["controls"], normalize_spec({**raw, "controls": {}}))
    assert problems == [
        (
            ("controls", "schedule.kind", "options"),
            "the demo's own kind 'cosine' is not among the options; add it",
        )
    ]


def test_a_constants_slider_needs_its_constant_in_every_schedule_offered():
    raw = {
        **SCHEDULES,
        "schedule": {"kind": "step", "step_size": 10, "gamma": 0.5},
        "controls": {
            "schedule.kind": {"options": ["step", "exponential", "cosine"]},
            "schedule.gamma": {"min": 0.1, "max": 0.9},
        },
    }
    _, problems = build_controls(raw["controls"], normalize_spec({**raw, "controls": {}}))
    assert problems == [
        (
            ("controls", "schedule.gamma"),
            "the schedule.kind select offers cosine, which has no gamma: drop the "
            "schedule.gamma slider, or offer only schedules with gamma",
        )
    ]
    both = {**raw["controls"], "schedule.kind": {"options": ["step", "exponential"]}}
    assert build_controls(both, normalize_spec({**raw, "controls": {}}))[1] == []
