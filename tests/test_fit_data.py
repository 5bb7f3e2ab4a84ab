"""A fit on the author's own data: a CSV or JSON file beside the article (or inline points),
read into the spec; every problem with the file at its line, naming the row; Anscombe's
quartet fitted to the published line; the data's change rebuilds the article."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine import render_demo

ANSCOMBE = """x1,y1,x2,y2,x3,y3,x4,y4
10,8.04,10,9.14,10,7.46,8,6.58
8,6.95,8,8.14,8,6.77,8,5.76
13,7.58,13,8.74,13,12.74,8,7.71
9,8.81,9,8.77,9,7.11,8,8.84
11,8.33,11,9.26,11,7.81,8,8.47
14,9.96,14,8.10,14,8.84,8,7.04
6,7.24,6,6.13,6,6.08,8,5.25
4,4.26,4,3.10,4,5.39,19,12.50
12,10.84,12,9.13,12,8.15,8,5.56
7,4.82,7,7.26,7,6.42,8,7.91
5,5.68,5,4.74,5,5.73,8,6.89
"""
FRONT = "---\ntitle: A\ndate: 2026-12-03\n---\nText.\n\n"


def build(tmp_path: Path, body: str, data: str = ANSCOMBE, name: str = "q.csv") -> Path:
    content = tmp_path / "content"
    (content / "data").mkdir(parents=True, exist_ok=True)
    (content / "data" / name).write_text(data)
    (content / "a.md").write_text(FRONT + body)
    build_site(BuildConfig(content=content, out=tmp_path / "site", cache=tmp_path / "cache"))
    return tmp_path / "site"


def errors(tmp_path: Path, body: str, data: str = ANSCOMBE, name: str = "q.csv") -> list:
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, body, data, name)
    return [(e.path.name, e.line, e.message) for e in failed.value.errors]


def demo(fit: str, extra: str = "") -> str:
    return f"```demo\nid: d\nfit: {fit}\nlr: 0.009\nsteps: 4000\nplots: fit\n{extra}```\n"


def test_each_of_anscombes_sets_reaches_the_published_line(tmp_path):
    for k in "1234":
        points = [
            [float(r[2 * int(k) - 2]), float(r[2 * int(k) - 1])]
            for r in (line.split(",") for line in ANSCOMBE.splitlines()[1:])
        ]
        xs, ys = np.array(points).T
        w, b = np.polyfit(xs, ys, 1)  # NumPy's least squares: the oracle
        assert w == pytest.approx(0.5, abs=1e-3) and b == pytest.approx(3.0, abs=3e-3)
        result = render_demo(
            {"fit": {"data": points, "standardize": True}, "lr": 0.2, "steps": 200, "plots": "fit"}
        )
        line = result["figures"][0]["data"][-1]
        # the standardized fit's line, drawn over standardized x: slope w·sd, height mean(y)
        assert line["y"][0] == pytest.approx(
            b + w * xs.mean() + w * xs.std() * line["x"][0], rel=1e-6
        )
    site = build(
        tmp_path,
        demo("{data: data/q.csv, x: x4, y: y4}") + "\n```check\n"
        "descend: {fit: {data: data/q.csv, x: x4, y: y4}, lr: 0.009, steps: 5000, "
        "start: [0, 0]}\nends_near: [0.5, 3.0]\ntolerance: 0.01\n```\n",
    )
    named = render_demo({"fit": {"data": [[1, 2], [2, 3]], "x": "x4", "y": "y4"}, "plots": "fit"})
    layout = named["figures"][0]["layout"]
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("x4", "y4")
    assert (site / "data" / "q.csv").read_text() == ANSCOMBE  # the data ships with the page


@pytest.mark.parametrize(
    ("data", "fit", "line", "words"),
    [
        (ANSCOMBE, "{data: data/q.csv, x: x11, y: y1}", 1, "no column 'x11'; did you mean 'x1'?"),
        (
            ANSCOMBE.replace("6.95", "n/a"),
            "{data: data/q.csv}",
            3,
            "row 2: y1 is 'n/a', not a number",
        ),
        ("x,y\n1,2\n", "{data: data/q.csv}", 2, "at least two points; the data has 1"),
        ("x,y\n" + "1,2\n" * 10_001, "{data: data/q.csv}", 10_002, "more than 10,000 points"),
        ("", "{data: data/q.csv}", 1, "the file is empty"),
    ],
)
def test_a_bad_file_is_an_error_at_its_line_naming_the_row(tmp_path, data, fit, line, words):
    [(name, at, message)] = errors(tmp_path, demo(fit), data)
    assert name == "q.csv" and at == line and words in message, message
    assert "(fit.data of a.md:9)" in message


def test_missing_and_escaping_files_and_json(tmp_path):
    [(name, at, message)] = errors(tmp_path, demo("{data: data/nope.csv}"))
    assert (name, at) == ("a.md", 9) and "no file 'data/nope.csv'" in message
    [(_, _, message)] = errors(tmp_path, demo("{data: ../../etc/passwd}"))
    assert "give a path inside content/" in message
    rows = json.dumps([{"km": 3.1, "min": 12}, {"km": 7.4, "min": 25}, {"km": 5, "min": 19}])
    site = build(tmp_path, demo("{data: data/r.json, x: km, y: min}"), rows, "r.json")
    assert "km" in (site / "a" / "index.html").read_text()


def test_inline_points_and_a_changed_file_rebuilds(tmp_path):
    site = build(tmp_path, demo("{data: [[1, 2], [2, 3], [3, 5]]}"))
    assert "demo-summary" in (site / "a" / "index.html").read_text()
    build(tmp_path, demo("{data: data/q.csv, x: x1, y: y1}"))
    before = re.search(r"demo-summary[^>]*>([^<]*)", (site / "a" / "index.html").read_text())[1]
    csv = tmp_path / "content" / "data" / "q.csv"
    time.sleep(0.01)
    csv.write_text(ANSCOMBE.replace("8.04", "18.04"))
    os.utime(csv, None)
    build_site(BuildConfig(content=tmp_path / "content", out=site, cache=tmp_path / "cache"))
    after = re.search(r"demo-summary[^>]*>([^<]*)", (site / "a" / "index.html").read_text())[1]
    assert before != after


def test_tables_prose_numbers_and_multiples_work_on_the_authors_data(tmp_path):
    points = [[1, 2], [2, 3], [3, 5]]
    body = (
        "Slope {=d.x:.3f}.\n\n```demo\nid: d\nfit: {data: [[1, 2], [2, 3], [3, 5]]}\n"
        "lr: 0.05\nsteps: 100\nplots: fit\n```\n\n```iterates\nfrom: d\nrows: {last: 1}\n```\n"
    )
    site = build(tmp_path, body)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (site / "a" / "index.html").read_text()))
    w, b = 0.0, 0.0
    xs, ys = np.array(points, float).T
    for _ in range(100):  # MSE descent, full batch: the oracle
        r = w * xs + b - ys
        w, b = w - 0.05 * 2 * np.mean(r * xs), b - 0.05 * 2 * np.mean(r)
    assert f"Slope {w:.3f} ." in text  # (the number is a span of its own)
    assert "k w b loss" in text and f"100 {w:.4f} {b:.4f}" in text
    panels = render_demo(
        {
            "fit": {"data": points},
            "plots": "multiples",
            "compare": {"fit.loss": ["mse", "mae"]},
            "lr": 0.05,
        }
    )
    assert len(panels["figures"]) == 1 and "MSE" in json.dumps(panels["figures"][0]).upper()


def test_a_fits_numbers_go_by_their_own_names_w_b_and_loss(tmp_path):
    body = (
        "Slope {=d.w:.3f}, intercept {=d.b[-1]:.3f}, loss {=d.loss:.4f}; the same as "
        "{=d.x:.3f}, {=d.y:.3f}, {=d.f:.4f}.\n\n```demo\nid: d\n"
        "fit: {data: [[1, 2], [2, 3], [3, 5]]}\nlr: 0.05\nsteps: 100\nplots: fit\n```\n\n"
        "```iterates\nfrom: d\ncolumns: [k, w, b, loss]\nformat: {w: .2f}\nrows: {last: 1}\n```\n"
    )
    site = build(tmp_path, body)
    page = (site / "a" / "index.html").read_text()
    numbers = re.findall(r'<span class="engine-number"[^>]*>([^<]*)</span>', page)
    assert numbers[:3] == numbers[3:] and len(numbers) == 6
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "k w b loss" in text and f"100 {float(numbers[0]):.2f} " in text


def test_a_functions_run_has_no_w(tmp_path):
    from .test_iterates import NUMBERS, render

    _, errors = render(tmp_path, NUMBERS.replace("{=walk.steps}", "{=walk.w}"))
    assert [e for e in errors if e.startswith("7: ") and "w is a line fit's" in e], errors


@pytest.mark.parametrize("seed", range(8))
def test_the_least_absolute_deviations_line_is_the_lps_optimum(seed):
    from scipy.optimize import linprog

    from engine.fitting import Dataset, least_absolute_deviations, least_squares

    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 60))
    xs = rng.integers(-5, 6, n).astype(float) if seed % 2 else rng.normal(0, 2, n)  # ties too
    ys = 1.5 * xs - 2 + rng.standard_cauchy(n)
    w, b = least_absolute_deviations(Dataset(tuple(xs), tuple(ys)))
    # min Σt  s.t.  −t ≤ y − w x − b ≤ t, over (w, b, t): HiGHS, an independent solver
    ones, eye = np.ones((n, 1)), np.eye(n)
    a_ub = np.block([[-xs[:, None], -ones, -eye], [xs[:, None], ones, -eye]])
    lp = linprog(
        np.r_[0, 0, np.ones(n)],
        A_ub=a_ub,
        b_ub=np.r_[-ys, ys],
        bounds=[(None, None)] * 2 + [(0, None)] * n,
        method="highs",
    )
    assert lp.status == 0
    assert np.abs(ys - w * xs - b).sum() == pytest.approx(lp.fun, rel=1e-9, abs=1e-9)
    assert least_squares(Dataset(tuple(xs), tuple(ys))) == pytest.approx(
        tuple(np.polyfit(xs, ys, 1)), rel=1e-9
    )


def test_a_fits_gradient_is_clipped_by_norm_as_torch_clips():
    from engine.fitting import Dataset, fit_line

    xs, ys = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 3.0, 5.0, 4.0])
    run = fit_line(Dataset(tuple(xs), tuple(ys)), lr=0.1, steps=20, clip_norm=0.5)
    w = b = 0.0
    for k in range(20):  # full-batch MSE descent, the gradient scaled to 0.5 at most
        r = w * xs + b - ys
        g = np.array([np.mean(2 * r * xs), np.mean(2 * r)])
        g *= min(1.0, 0.5 / (np.linalg.norm(g) + 1e-6))
        w, b = w - 0.1 * g[0], b - 0.1 * g[1]
        assert run.params[k + 1] == pytest.approx((w, b), rel=1e-12, abs=1e-15)
