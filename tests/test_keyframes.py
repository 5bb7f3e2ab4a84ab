"""Keyframes: every precomputed frame is the engine's answer for the spec the page sends."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from downhill.controls import build_controls
from downhill.data import with_file_data
from downhill.keyframes import BUDGET, FIRST_BUDGET, FIRST_POSITIONS, keyframes, spec_value
from downhill.yamlmap import load
from engine import normalize_spec, render_demo
from engine.api import to_json

from .conftest import article_text, content_articles

DEMOS = [  # as the builder hands them to the engine: a fit's data file read into its points
    (path.stem, with_file_data(load(m.group(1)), path, [], 0))
    for path in content_articles()
    for m in re.finditer(r"```demo\n(.*?)```", article_text(path.stem), re.S)
]


def merged(built: list[dict], frame: dict | None) -> list[dict]:
    """The page's merge of a frame onto the built figures (static/downhill.js showFrame)."""
    if frame is None:
        return built
    out = []
    for figure, part in zip(built, frame["figures"], strict=True):
        data = part.get("data") or [
            part.get("traces", {}).get(str(k), trace) for k, trace in enumerate(figure["data"])
        ]
        out.append({"layout": part.get("layout", figure["layout"]), "data": data})
    return out


def with_value(raw: dict, path: list, value) -> dict:
    spec = json.loads(to_json(raw))
    node = spec
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return spec


@pytest.mark.parametrize(("article", "raw"), DEMOS, ids=[f"{a}#{r.get('id')}" for a, r in DEMOS])
def test_every_frame_is_the_engines_answer(article, raw):
    controls, _ = build_controls(raw.get("controls"), normalize_spec(raw))
    result = render_demo(raw)
    frames = keyframes(raw, result, controls)
    if frames is None:
        assert not [c for c in controls if c.kind in ("range", "select")] or raw.get("id") in (
            "race",
            "guide-race",
        )
        return
    assert len(gzip.compress(frames.text.encode(), 6)) <= BUDGET
    whole = json.loads(frames.text)
    if len(gzip.compress(frames.text.encode(), 6)) <= FIRST_BUDGET:
        assert frames.first == ""
    if frames.first:  # a few of the whole file's positions, within the first budget
        assert len(gzip.compress(frames.first.encode(), 6)) <= FIRST_BUDGET
        first = json.loads(frames.first)
        for name, entry in first["controls"].items():
            assert set(entry["positions"]) <= set(whole["controls"][name]["positions"])
            assert 2 <= len(entry["positions"]) <= FIRST_POSITIONS + 1  # and the built one
    built = json.loads(to_json(result["figures"]))
    by_name = {c.name: c for c in controls}
    for document in [whole, json.loads(frames.first)] if frames.first else [whole]:
        for name, entry in document["controls"].items():
            control = by_name[name]
            for position, number in zip(entry["positions"], entry["frames"], strict=True):
                if control.kind == "select":  # a schedule select's options are JSON
                    value = json.loads(position) if control.json else position
                else:
                    value = spec_value(control, position)
                spec = with_value(raw, control.path, value)
                want = json.loads(to_json(render_demo(spec)))
                frame = None if number is None else document["frames"][number]
                assert merged(built, frame) == want["figures"], (name, position)
                if frame is not None:
                    assert frame["summary"] == want["summary"]


def test_log_slider_values_are_the_pages():
    # Number((10 ** -1.5).toPrecision(4)) is 0.03162 in every browser.
    from downhill.controls import Control

    log = Control("lr", "range", "lr", ["lr"], 0.01, 0.001, 1.0, "any", "log")
    assert spec_value(log, -1.5) == 0.03162
    assert spec_value(log, 0.0) == 1 and isinstance(spec_value(log, 0.0), int)


def test_a_log_slider_over_a_whole_number_keeps_it_whole():
    """steps on a log slider: every precomputed position is a whole number of steps, as the
    page's Math.round makes it (a fractional one was a build error)."""
    raw = {"function": "x**2", "start": [1.0], "steps": 30}
    spec = normalize_spec(raw)
    controls, problems = build_controls({"steps": {"min": 1, "max": 5000, "scale": "log"}}, spec)
    assert not problems and controls[0].whole
    assert spec_value(controls[0], 0.0923) == 1 and spec_value(controls[0], 3.5) == 3162
    found = keyframes(raw, render_demo(raw), controls)
    positions = json.loads(found.text)["controls"]["steps"]["positions"]
    values = [spec_value(controls[0], p) for p in positions]
    assert len(values) > 2 and all(isinstance(v, int) for v in values) and values[-1] == 5000


def test_keyframes_false_leaves_them_out(tmp_path):
    from .test_errors import build

    content = tmp_path / "content"
    content.mkdir()
    body = "```demo\nfunction: x**2\nstart: [1]\ncontrols:\n  lr: {min: 0.01, max: 1}\n{}```\n"
    front = "---\ntitle: T\ndate: 2026-01-01\n---\n\n"
    (content / "on.md").write_text(front + body.replace("{}", ""))
    (content / "off.md").write_text(front + body.replace("{}", "keyframes: false\n"))
    out = tmp_path / "site"
    result = build(content, out)
    assert result.returncode == 0, result.stderr
    assert "keyframes (gzip): on " in result.stdout and "off " not in result.stdout
    assert 1 <= len(list((out / "on").glob("*.json"))) <= 2  # the whole file, maybe a first
    assert list((out / "off").glob("*.json")) == []
    assert "data-keyframes" not in (out / "off" / "index.html").read_text()


def test_identical_data_is_embedded_once_per_page(tmp_path):
    from .test_errors import build

    content = tmp_path / "content"
    content.mkdir()
    demo = "```demo\nfunction: peaks\nid: {id}\nlr: {lr}\nkeyframes: false\n```\n\n"
    front = "---\ntitle: T\ndate: 2026-01-01\n---\n\n"
    (content / "a.md").write_text(
        front + "".join(demo.format(id=f"d{k}", lr=0.01 * k) for k in range(1, 4))
    )
    out = tmp_path / "site"
    assert build(content, out).returncode == 0
    html = (out / "a" / "index.html").read_text()
    assert html.count('{"$same":"d1/0/0/z"}') == 2  # the contour grid: once, then referred to
    first = json.loads(html.split('class="demo-figures">', 1)[1].split("</script>", 1)[0])
    grid = render_demo({"function": "peaks"})["figures"][0]["data"][0]["z"]
    assert first[0]["data"][0]["z"] == json.loads(to_json(grid))


def test_shared_arrays_resolve_in_the_page(page, tmp_path):
    """Within one demo (two figures of one grid) and across demos, the page's figures hold
    the arrays the builder left out."""
    from .conftest import serve_folder
    from .test_errors import build

    content = tmp_path / "content"
    content.mkdir()
    demo = "```demo\nfunction: peaks\nid: {id}\nplots: [contour, field]\nkeyframes: false\n```\n\n"
    front = "---\ntitle: T\ndate: 2026-01-01\n---\n\n"
    (content / "a.md").write_text(front + demo.format(id="d1") + demo.format(id="d2"))
    out = tmp_path / "site"
    assert build(content, out).returncode == 0
    assert '{"$same":"d1/0/0/z"}' in (out / "a" / "index.html").read_text()
    server = serve_folder(out)
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/a/")
        for index, spec in enumerate([{"function": "peaks", "plots": ["contour", "field"]}] * 2):
            shown = page.evaluate(f"window.downhill.demos[{index}].initialFigures")
            want = json.loads(to_json(render_demo(spec)["figures"]))
            for got_figure, want_figure in zip(shown, want, strict=True):
                for got, trace in zip(got_figure["data"], want_figure["data"], strict=True):
                    for axis in ("x", "y", "z"):
                        assert got.get(axis) == trace.get(axis), (index, trace["name"], axis)
        assert page.problems == []
    finally:
        server.shutdown()
