"""Exercises: each graded kind passes a right answer and names the cause of each typical
wrong one; reader steps written in NumPy (an independent oracle of the optimizers) pass;
the fence's errors name their line; a solution that fails its own grading fails the build."""

from __future__ import annotations

import math
import random
import textwrap
from pathlib import Path

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine.catalogue import CATALOGUE
from engine.exercises import ExerciseError, grade, normalize_exercise
from engine.expr import evaluate_tree, parse, readable


def verdict(raw: dict, answer: str) -> dict:
    return grade(normalize_exercise(raw), textwrap.dedent(answer))


def passes(raw: dict, answer: str) -> None:
    found = verdict(raw, answer)
    assert found["passed"], found["message"]


def fails(raw: dict, answer: str, *words: str) -> str:
    found = verdict(raw, answer)
    assert not found["passed"]
    for word in words:
        assert word.lower() in found["message"].lower(), found["message"]
    return found["message"]


GRADIENT = {"gradient_of": "x**2*sin(y)"}


def test_gradient_right_and_its_typical_mistakes():
    right = "from math import sin, cos\ndef gradient(x, y):\n    return 2*x*sin(y), x**2*cos(y)\n"
    passes(GRADIENT, right)
    # Parameter names are the reader's own; a tuple, a list or a NumPy array will do.
    passes(
        GRADIENT,
        "import numpy as np\ndef gradient(w, b):\n"
        "    return np.array([2*w*np.sin(b), w**2*np.cos(b)])\n",
    )
    fails(
        GRADIENT,
        right.replace("2*x*sin(y), x**2*cos(y)", "x**2*cos(y), 2*x*sin(y)"),
        "swapped",
        "return ∂f/∂x first",
    )
    fails(GRADIENT, right.replace("x**2*cos(y)", "-x**2*cos(y)"), "∂f/∂y has the wrong sign")
    fails(
        GRADIENT,
        right.replace("2*x*sin(y), x**2*cos(y)", "-2*x*sin(y), -x**2*cos(y)"),
        "every component",
        "wrong sign",
    )
    fails(GRADIENT, right.replace("2*x*sin(y)", "x*sin(y)"), "∂f/∂x is off by a factor of 0.5")
    message = fails(GRADIENT, right.replace("x**2*cos(y)", "x*cos(y)"), "∂f/∂y is wrong: at (")
    # the point, the reader's value and the exact one, computed here independently, and
    # never the exact expression: the solution button is for that
    point = message.split("at (")[1].split(")")[0]
    x, y = (float(c) for c in point.split(","))
    assert f"where ∂f/∂y is {x**2 * math.cos(y):.6g}" in message
    assert f"your gradient gives {x * math.cos(y):.6g}" in message
    assert "cos(y)" not in message and "2*x" not in message
    fails(GRADIENT, "def grad(x, y):\n    return 0, 0\n", "define a function gradient(x, y)")
    fails(GRADIENT, "def gradient(x, y):\n    return 1\n", "should return two numbers")
    fails(GRADIENT, "def gradient(x, y):\n    return 1/0\n", "ZeroDivisionError (line 2)")
    fails(GRADIENT, "def gradient(x, y)\n    return 1\n", "SyntaxError on line 1")


def test_derivative_hessian_and_value():
    passes({"derivative_of": "x**2 + 5*x + 6"}, "def derivative(x):\n    return 2*x + 5\n")
    message = fails(
        {"derivative_of": "x**2 + 5*x + 6"}, "def derivative(x):\n    return 2*x\n", "f′(x) is"
    )
    assert "2*x + 5" not in message
    hessian = {"hessian_of": "x**2*y**3"}
    passes(hessian, "def hessian(x, y):\n    return [[2*y**3, 6*x*y**2], [6*x*y**2, 6*x**2*y]]")
    message = fails(
        hessian,
        "def hessian(x, y):\n    return [[2*y**3, 6*x*y], [6*x*y, 6*x**2*y]]",
        "∂²f/∂x∂y is wrong",
    )
    assert "6*x*y**2" not in message
    message = fails({"value_of": "x**2*y"}, "def f(x, y):\n    return x*y**2\n", "f is wrong")
    assert "x**2*y" not in message
    passes(
        {"value_of": "peaks"},
        "from math import exp\ndef f(x, y):\n    return "
        "3*(1-x)**2*exp(-x**2-(y+1)**2) - 10*(x/5-x**3-y**5)*exp(-x**2-y**2) "
        "- exp(-(x+1)**2-y**2)/3\n",
    )


MOMENTUM = {
    "update": {
        "optimizer": "momentum",
        "lr": 0.1,
        "momentum": 0.9,
        "function": "x**2 + 10*y**2",
        "start": [1, 1],
        "steps": 10,
    }
}
ADAM = {
    "update": {
        "optimizer": "adam",
        "lr": 0.1,
        "function": "x**2 + 3*y**2",
        "start": [2, -1],
        "steps": 12,
    }
}
RMSPROP = {
    "update": {"optimizer": "rmsprop", "lr": 0.01, "function": "x**2", "start": [2], "steps": 12}
}


def test_update_steps_in_numpy_pass_and_mistakes_are_named():
    passes(
        MOMENTUM,
        """
        import numpy as np
        def step(x, g, v):
            v = 0.9 * np.asarray(v) + np.asarray(g)
            return np.asarray(x) - 0.1 * v, v
    """,
    )
    # The other textbook form (v ← μv + αg, x ← x − v) walks the same path.
    passes(
        MOMENTUM,
        """
        def step(x, g, v):
            v = [0.9 * vi + 0.1 * gi for vi, gi in zip(v, g)]
            return [xi - vi for xi, vi in zip(x, v)], v
    """,
    )
    fails(
        MOMENTUM,
        "def step(x, g, v):\n    return [a - 0.1*b for a, b in zip(x, g)], v",
        "ignores the velocity",
    )
    fails(
        MOMENTUM,
        """
        def step(x, g, v):
            v = [0.9 * vi + gi for vi, gi in zip(v, g)]
            return [xi + 0.1 * vi for xi, vi in zip(x, v)], v
    """,
        "goes uphill",
    )
    fails(
        MOMENTUM,
        """
        def step(x, g, v):
            v = [0.8 * vi + gi for vi, gi in zip(v, g)]
            return [xi - 0.1 * vi for xi, vi in zip(x, v)], v
    """,
        "step 2 differs",
        "the step before it agrees",
    )
    adam = """
        import numpy as np
        def step(x, g, m, v, t):
            x, g, m, v = map(np.asarray, (x, g, m, v))
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
            return x - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8), m, v
    """
    passes(ADAM, adam)
    fails(ADAM, adam.replace("m / (1 - 0.9**t), v / (1 - 0.999**t)", "m, v"), "bias")
    rmsprop = """
        import math
        def step(x, g, s):
            s = 0.99 * s + 0.01 * g * g
            return x - 0.01 * g / (math.sqrt(s) + 1e-8), s
    """
    passes(RMSPROP, rmsprop)
    fails(RMSPROP, rmsprop.replace("math.sqrt(s)", "s"), "square root")
    fails(MOMENTUM, "def step(x, g, v):\n    return x\n", "should return (new x, new v)")


LOOP = {"loop": {"function": "x**2 + 5*x + 6", "start": -8, "lr": 0.1, "steps": 15}}


def test_loops_off_by_one_climbing_and_near():
    passes(LOOP, "x = start\nfor k in range(steps):\n    x = x - lr * derivative(x)\n")
    fails(
        LOOP,
        "x = start\nfor k in range(1, steps):\n    x = x - lr * derivative(x)\n",
        "ran 14 steps",
        "off-by-one",
    )
    fails(
        LOOP,
        "x = start\nfor k in range(steps + 1):\n    x = x - lr * derivative(x)\n",
        "ran 16 steps",
    )
    fails(LOOP, "x = start\nfor k in range(steps):\n    x = x + lr * derivative(x)\n", "climbs")
    fails(LOOP, "y = start\n", "leave the loop's last point in x")
    near = {
        "loop": {
            "function": "x**2 + y**2",
            "start": [3, 4],
            "near": [0, 0],
            "within": 0.001,
            "steps_fewer_than": 50,
        }
    }
    loop = (
        "x, y = start\nfor k in range({n}):\n    gx, gy = gradient(x, y)\n"
        "    x, y = x - {lr}*gx, y - {lr}*gy\n"
    )
    passes(near, loop.format(n=30, lr=0.3))
    fails(near, loop.format(n=10, lr=0.1), "from (0, 0); it must end within 0.001")
    fails(near, loop.format(n=600, lr=0.01), "evaluated the gradient 600 times")


def test_typed_answers_never_give_the_answer_away():
    answer = {"answer": {"function": "x**2", "start": -8, "lr": 0.1, "steps": 15}}
    exact = -8 * 0.8**15
    passes(answer, f"{exact:.6f}")
    passes(answer, "-8*0.8**15")
    for typed, cause in [
        ("-8*0.8**14", "after 14 steps"),
        ("8*0.8**15", "sign"),
        ("0.3", "too large"),
        ("-1", "too small"),
        ("x", "variable"),
        ("2 +", "type a number"),
    ]:
        message = fails(answer, typed, cause)
        assert "0.281" not in message and "-0.28" not in message
    passes({"expression": "2*x*sin(y)"}, "sin(y)*x*2")
    message = fails({"expression": "2*x*sin(y)"}, "x*sin(y)", "off by a factor of 0.5")
    assert "2*x*sin(y)" not in message
    fails({"expression": "2*x*sin(y)"}, "2*x*sin(z)", "cannot be read")


def test_an_exercise_the_grader_cannot_use_is_refused_with_its_key():
    cases = [
        ({"gradient_of": "x**2", "answer": 1}, ("answer",), "exactly one grading key"),
        ({"prompt": "p"}, ("id",), "this one has none"),
        ({"gradient_of": "x**"}, ("gradient_of",), "not a valid expression"),
        ({"derivative_of": "x*y"}, ("derivative_of",), "function of x alone"),
        (
            {"update": {"optimizer": "adma", "lr": 0.1, "function": "x**2", "start": [1]}},
            ("update", "optimizer"),
            "did you mean 'adam'",
        ),
        (
            {
                "update": {
                    "optimizer": "gd",
                    "lr": 0.1,
                    "function": "x**2",
                    "start": [1],
                    "learning_rate": 1,
                }
            },
            ("update", "learning_rate"),
            "no key",
        ),
        (
            {"loop": {"function": "x**2", "start": [1, 2], "lr": 0.1, "steps": 3}},
            ("loop", "start"),
            "list of 1 numbers",
        ),
        ({"loop": {"function": "x**2", "start": 1}}, ("loop",), "needs 'lr' and 'steps'"),
        (
            {"answer": {"function": "x**2", "start": 1, "lr": 1.5, "steps": 900}},
            ("answer",),
            "diverges",
        ),
        ({"answer": 1, "tolerance": -1}, ("tolerance",), "positive"),
    ]
    for raw, path, words in cases:
        with pytest.raises(ExerciseError) as refused:
            normalize_exercise(raw)
        assert refused.value.path == path and words in refused.value.message, refused.value


def test_readable_formulas_mean_what_the_tree_means():
    rng = random.Random(3)
    for entry in CATALOGUE.values():
        tree = parse(entry.formula)
        for node in (tree, tree.diff("x"), tree.diff("y"), tree.diff("x").diff("y")):
            back = parse(readable(node))
            for _ in range(10):
                env = {"x": rng.uniform(-2, 2), "y": rng.uniform(-2, 2)}
                a, b = evaluate_tree(node, env), evaluate_tree(back, env)
                assert a == b or abs(a - b) <= 1e-9 * max(1, abs(a)), readable(node)
    assert readable(parse("x^2 - 3*x*y + (x-y)**2").diff("x")) == "2*x - 3*y + 2*(x - y)"


FRONT = "---\ntitle: Exercises\ndate: 2026-12-03\n---\n\nText.\n\n"


def build(tmp_path: Path, fence: str) -> Path:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "ex.md").write_text(FRONT + "```exercise\n" + textwrap.dedent(fence) + "```\n")
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    return out


def errors(tmp_path: Path, fence: str) -> list[tuple[int, str]]:
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, fence)
    return [(e.line, e.message) for e in failed.value.errors]


def test_the_build_grades_the_solution_and_names_lines(tmp_path):
    fence = """\
        id: step
        prompt: One step of momentum.
        update: {optimizer: momentum, lr: 0.1, function: "x**2", start: [1]}
        solution: |
          def step(x, g, v):
              return x - 0.1*g, v
    """
    # The fence opens on line 8; its solution key is on line 12.
    assert errors(tmp_path, fence) == [
        (
            12,
            "exercise: the solution does not pass its own grading: Your step ignores the "
            "velocity: it moves exactly as plain gradient descent does. Update v ← momentum·v "
            "+ g, step x ← x − lr·v, and return the new v.",
        )
    ]
    [(line, message)] = errors(tmp_path, fence.replace("solution:", "solutoin:"))
    assert line == 12 and "unknown key 'solutoin'; did you mean 'solution'?" in message
    [(line, message)] = errors(tmp_path, fence.replace("momentum,", "momentun,"))
    assert line == 11 and "did you mean 'momentum'" in message
    [(line, message)] = errors(
        tmp_path,
        textwrap.dedent(fence)
        .replace("return x - 0.1*g, v", "while True:\n        pass")
        .replace("prompt:", "timeout: 1\nprompt:"),
    )
    assert line == 13 and "did not finish within its time limit of 1 s" in message
    assert errors(tmp_path, "id: a\nprompt: p\nanswer: 1\nstarter: x = 1\n") == [
        (12, "exercise: a answer exercise is answered by typing a number, not code: remove starter")
    ]


def test_a_built_exercise_keeps_its_solution_out_of_the_text(tmp_path):
    out = build(
        tmp_path,
        """\
        id: slope
        prompt: Write the derivative of $x^3$.
        derivative_of: x**3
        hints: [Use the power rule., "$3x^2$ is close: check it"]
        solution: |
          def derivative(x):
              return 3*x**2
    """,
    )
    page = (out / "ex" / "index.html").read_text()
    assert 'id="slope"' in page and "Show a hint (1 of 2)" in page
    assert '<span class="nf">derivative</span>' in page  # the starter, highlighted
    solution = page.index('<template class="exercise-solution-text">')
    returns = '<span class="k">return</span>'  # the solution's (the starter has none)
    assert page.count(returns) == 1 and page.index(returns) > solution
    assert "<mjx-container" in page.split('class="exercise-prompt">')[1].split("</div>")[0]
    assert "1 exercise below" in page


def test_the_default_starter_is_the_signature_to_fill_in():
    from downhill.exercises import starter_for

    assert starter_for(normalize_exercise({"gradient_of": "x**2*sin(y)"})).startswith(
        "def gradient(x, y):"
    )
    assert starter_for(normalize_exercise({"derivative_of": "x**3"})).startswith(
        "def derivative(x):"
    )
    assert starter_for(normalize_exercise({"answer": 0.5})) == ""  # typed: no code
    assert starter_for(normalize_exercise({"expression": "x*y"})) == ""


NEWTON = {
    "update": {
        "optimizer": "newton",
        "lr": 0.5,
        "function": "x**2 + x*y + 2*y**2 + 0.1*x**4",
        "start": [1, 1],
        "steps": 6,
    }
}


def test_a_newton_step_takes_the_hessian_and_forgetting_it_is_named():
    passes(
        NEWTON,
        "import numpy as np\ndef step(x, g, H):\n"
        "    return np.asarray(x) - 0.5 * np.linalg.solve(np.asarray(H), np.asarray(g))\n",
    )
    fails(
        NEWTON,
        "def step(x, g, H):\n    return [x[0] - 0.5 * g[0], x[1] - 0.5 * g[1]]\n",
        "ignores the Hessian",
    )
    one = {"update": {**NEWTON["update"], "function": "x**4", "start": [1]}}
    passes(one, "def step(x, g, H):\n    return x - 0.5 * g / H\n")
    fails(one, "def step(x, g, H):\n    return x + 0.5 * g / H\n", "goes uphill")
