"""Learning-rate schedules against torch.optim.lr_scheduler's recursive (chainable) rules,
written here with NumPy from torch's documentation (the engine uses the closed forms), and
Newton's method against NumPy's linear algebra with hand-written Hessians."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import SpecError, render_demo
from engine.descent import descend
from engine.expr import compile_expression
from engine.optimizers import Hyper, SingularHessian, newton_update, saddle_free_newton_update
from engine.runs import trajectories
from engine.schedules import Schedule
from engine.spec import normalize_spec


def torch_rates(kind: str, lr: float, steps: int, **c: float) -> list[float]:
    """The rate of each step as torch's schedulers compute it, step after step."""
    rates = [lr]
    for k in range(1, steps):
        last = rates[-1]
        if kind == "step":
            rates.append(last * c["gamma"] if k % c["step_size"] == 0 else last)
        elif kind == "exponential":
            rates.append(last * c["gamma"])
        else:  # CosineAnnealingLR.get_lr
            t_max, eta_min = c["T_max"], c["eta_min"]
            if (k - 1 - t_max) % (2 * t_max) == 0:
                rates.append(last + (lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2)
            else:
                rates.append(
                    (1 + math.cos(math.pi * k / t_max))
                    / (1 + math.cos(math.pi * (k - 1) / t_max))
                    * (last - eta_min)
                    + eta_min
                )
    return rates


CASES = [
    ("step", {"step_size": 7, "gamma": 0.5}),
    ("exponential", {"gamma": 0.93}),
    ("cosine", {"T_max": 12, "eta_min": 0.001}),
]


@pytest.mark.parametrize(("kind", "constants"), CASES)
def test_schedules_are_torchs(kind, constants):
    schedule = Schedule(kind, tuple(sorted(constants.items())))
    expected = torch_rates(kind, 0.3, 40, **constants)
    assert np.allclose([schedule.rate(0.3, k) for k in range(40)], expected, rtol=1e-12)
    # with a warm-up: LambdaLR's factor min(1, (k + 1) / w) on top
    warm = Schedule(kind, tuple(sorted(constants.items())), warmup=5)
    factors = [min(1.0, (k + 1) / 5) for k in range(40)]
    assert np.allclose(
        [warm.rate(0.3, k) for k in range(40)], np.multiply(expected, factors), rtol=1e-12
    )


@pytest.mark.parametrize(("kind", "constants"), CASES)
def test_a_scheduled_run_is_the_loop_torch_runs(kind, constants):
    """gd and Adam on x² + 3y², step k at rate α_k: optimizer.step(), then scheduler.step()."""
    rates = torch_rates(kind, 0.1, 25, **constants)
    spec = {
        "function": "x**2 + 3*y**2",
        "start": [2.0, -1.0],
        "steps": 25,
        "lr": 0.1,
        "schedule": {"kind": kind, **constants},
        "optimizer": ["gd", "adam"],
    }
    runs = trajectories(normalize_spec(spec))
    grad = lambda p: np.array([2 * p[0], 6 * p[1]])  # noqa: E731
    p = np.array([2.0, -1.0])
    gd = [p]
    for rate in rates:
        p = p - rate * grad(p)
        gd.append(p)
    p, m, v = np.array([2.0, -1.0]), np.zeros(2), np.zeros(2)
    adam = [p]
    for t, rate in enumerate(rates, start=1):
        g = grad(p)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        p = p - rate * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        adam.append(p)
    assert np.allclose(runs[0].points, gd, rtol=1e-9, atol=1e-12)
    assert np.allclose(runs[1].points, adam, rtol=1e-9, atol=1e-12)


def test_one_newton_step_solves_a_quadratic():
    # f = ½ θᵀAθ − bᵀθ with A = [[3, 1], [1, 2]], b = (1, −2): the minimum is A⁻¹b.
    f = compile_expression("1.5*x**2 + x*y + y**2 - x + 2*y").bind()
    run = descend(f, (4.0, -3.0), "newton", 1.0, 1)
    assert np.allclose(run.points[1], np.linalg.solve([[3, 1], [1, 2]], [1, -2]), atol=1e-12)
    assert run.modified == ()


def rosenbrock_hessian(x: float, y: float) -> np.ndarray:
    return np.array([[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]])


def test_newton_as_taught_is_numpys_solve_and_is_drawn_to_a_saddle():
    f = compile_expression("(1 - x)**2 + 100*(y - x**2)**2").bind()
    run = descend(f, (-1.2, 1.0), "newton", 1.0, 20)
    for k, (p, q) in enumerate(zip(run.points, run.points[1:], strict=False)):
        step = -np.linalg.solve(rosenbrock_hessian(*p), np.array(f.gradient(p)))
        assert np.allclose(np.subtract(q, p), step, rtol=1e-7, atol=1e-12), k
    assert math.dist(run.points[-1], (1, 1)) < 1e-9
    # The classic lesson: on a saddle, one full Newton step lands on the saddle point.
    saddle = compile_expression("x**2 - y**2").bind()
    run = descend(saddle, (1.0, 0.1), "newton", 1.0, 3)
    assert np.allclose(run.points[1], (0.0, 0.0), atol=1e-15)
    assert run.modified == (1, 2, 3) and run.points[-1] == run.points[1]  # and stays there
    # Where H is singular there is no Newton step: the run stops and says so.
    flat = compile_expression("x**2 + y**4").bind()
    run = descend(flat, (1.0, 0.0), "newton", 1.0, 5)
    assert run.status == "singular" and run.steps == 0


def test_saddle_free_newton_on_rosenbrock_is_numpys_and_indefinite_steps_go_downhill():
    f = compile_expression("(1 - x)**2 + 100*(y - x**2)**2").bind()
    run = descend(f, (-1.2, 1.0), "saddle-free-newton", 0.5, 80)
    for k, (p, q) in enumerate(zip(run.points, run.points[1:], strict=False)):
        g = np.array(f.gradient(p))
        lam, vectors = np.linalg.eigh(rosenbrock_hessian(*p))
        floor = 1e-8 * max(1.0, *np.abs(lam))
        step = -0.5 * vectors @ ((vectors.T @ g) / np.maximum(np.abs(lam), floor))
        assert np.allclose(np.subtract(q, p), step, rtol=1e-7, atol=1e-12), k
        if lam.min() <= floor:
            assert k + 1 in run.modified
    assert math.dist(run.points[-1], (1, 1)) < 1e-6
    # On a saddle, plain Newton jumps to the saddle point; this one leaves it downhill.
    saddle = compile_expression("x**2 - y**2").bind()
    run = descend(saddle, (1.0, 0.1), "saddle-free-newton", 1.0, 3)
    assert run.modified == (1, 2, 3)
    assert all(b < a for a, b in zip(run.values, run.values[1:], strict=False))


def test_newton_in_one_dimension_and_on_a_flat_hessian():
    step, state = newton_update((4.0,), newton_init_state(), Hyper(1.0), (2.0,))
    assert step == (-2.0,) and state.modified == ()
    step, state = newton_update((4.0,), newton_init_state(), Hyper(1.0), (-2.0,))
    assert step == (2.0,) and state.modified == (1,)  # towards the maximum, and said
    with pytest.raises(SingularHessian):
        newton_update((4.0,), newton_init_state(), Hyper(1.0), (0.0,))
    step, state = saddle_free_newton_update((4.0,), newton_init_state(), Hyper(1.0), (0.0,))
    assert step == (-4e8,) and state.modified == (1,)  # floored at δ, and said


def newton_init_state():
    from engine.optimizers import newton_init

    return newton_init(1)


def test_the_summary_and_legend_say_what_ran():
    result = render_demo(
        {
            "function": "x**2 - y**2",
            "start": [1, 0.1],
            "optimizer": "newton",
            "lr": 0.5,
            "steps": 5,
            "schedule": {"kind": "exponential"},
            "warmup": 2,
        }
    )
    assert "Hessian was not positive definite at 5 steps, first at step 1" in result["summary"]
    assert result["summary"].endswith(
        " The rate follows an exponential schedule after a 2-step warm-up."
    )
    assert result["figures"][0]["data"][1]["name"] == "Newton's method, α = 0.5"


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        ({"schedule": {"kind": "cosin"}}, ("schedule", "kind"), "did you mean 'cosine'"),
        ({"schedule": {"kind": "step", "gama": 0.5}}, ("schedule", "gama"), "did you mean 'gamma'"),
        ({"schedule": {"kind": "step", "step_size": 0}}, ("schedule", "step_size"), "out of range"),
        ({"schedule": "step"}, ("schedule",), "a mapping with a kind"),
        ({"warmup": -1}, ("warmup",), "out of range"),
    ],
)
def test_schedule_mistakes_name_their_key(raw, path, words):
    with pytest.raises(SpecError) as refused:
        normalize_spec({"function": "x**2", **raw})
    [issue] = refused.value.issues
    assert issue.path == path and words in issue.message


def test_newton_needs_a_function():
    with pytest.raises(SpecError) as refused:
        normalize_spec({"fit": {}, "optimizer": "newton"})
    assert "Hessian" in str(refused.value)
    with pytest.raises(SpecError) as refused:
        normalize_spec({"fit": {}, "stability": True})
    assert refused.value.issues[0].path == ("stability",)


def test_the_sweep_marks_the_stability_bound_where_the_runs_diverge():
    spec = {
        "function": "x**2 + 10*y**2",
        "start": [1.5, 1.5],
        "plots": "sweep",
        "sweep": {"min": 0.01, "max": 1, "count": 40, "steps": 2000},
        "stability": True,
    }
    converged, failed, mark, shade = render_demo(spec)["figures"][0]["data"]
    assert mark["name"] == "2/λ_max = 0.1, κ = 10" and mark["x"] == [0.1, 0.1]
    # On a quadratic the bound is exact: every rate below it converged, none above it did.
    assert max(converged["x"]) < 0.1 < min(failed["x"])
    assert shade["x"][0] == 0.1 and shade["fill"] == "toself"


def test_the_bound_at_the_end_of_the_run_is_numpys():
    spec = {
        "function": "wavy_bowl",
        "start": [1.5, 1.5],
        "lr": 0.1,
        "steps": 300,
        "plots": "sweep",
        "stability": "end",
    }
    figure = render_demo(spec)["figures"][0]
    [end] = [t.points[-1] for t in trajectories(normalize_spec(spec))]
    x, y = end
    hessian = np.diag([2 - 4.5 * math.sin(3 * x), 2 - 4.5 * math.cos(3 * y)])
    top = np.linalg.eigvalsh(hessian).max()
    assert figure["data"][2]["x"][0] == pytest.approx(2 / top, rel=1e-9)
    # a saddle has no bound, and says so
    spec = {"function": "x**2 - y**2", "plots": "sweep", "stability": [0.5, 0.5]}
    note = render_demo(spec)["figures"][0]["data"][-1]["name"]
    assert note == (
        "no stability bound: the curvature at (0.5, 0.5) is not positive in every direction"
    )


def test_panels_over_the_rate_say_which_side_of_the_bound_they_are():
    spec = {
        "function": "x**2 + 10*y**2",
        "start": [1.5, 1.5],
        "plots": "multiples",
        "compare": {"lr": [0.05, 0.09, 0.15]},
        "steps": 30,
        "stability": True,
    }
    titles = [a["text"] for a in render_demo(spec)["figures"][0]["layout"]["annotations"]]
    heads = [t.split("<br>")[:2] for t in titles]  # a line each, for narrow panels
    assert heads == [
        ["α = 0.05", "below 2/λ_max = 0.1"],
        ["α = 0.09", "below 2/λ_max = 0.1"],
        ["α = 0.15", "above 2/λ_max = 0.1"],
    ]
    assert titles[2].endswith("diverged") and not titles[0].endswith("diverged")
