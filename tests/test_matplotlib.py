"""matplotlib in cells, as Jupyter's inline backend shows it (issue 32): plt.show(), figures
left open, a figure as the last value, display(fig); SVG for line art whose ink follows dark
mode, PNG at twice the size for 3-D axes and images; alt text from titles and labels or the
cell's ``alt``; the page's <img>, and the bytes not twice in the page."""

from __future__ import annotations

import base64
import json
import re
import struct

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine.cells import run_cell

PLOT = """
import matplotlib.pyplot as plt
plt.plot([0, 1, 2], [0, 1, 4], label="f")
plt.title("A parabola")
plt.xlabel("x")
plt.ylabel("f(x)")
"""


def images(output: dict) -> list[dict]:
    return [d["image"] for d in output["displays"] if "image" in d]


def run(code: str, namespace: dict | None = None) -> dict:
    output = run_cell(code, {} if namespace is None else namespace)
    assert output["error"] is None, output["error"]
    return output


def test_a_figure_left_open_is_shown_as_svg_with_alt_text():
    [image] = images(run(PLOT))
    assert image["format"] == "svg"
    assert (image["width"], image["height"]) == (640, 480)
    assert image["alt"] == "A figure with 1 plot: A parabola, x: x, y: f(x)"
    svg = image["data"]
    assert svg.startswith("<?xml") and "<svg" in svg
    # black and white follow the reader's mode; no colour is left black for good
    assert "@media (prefers-color-scheme: dark)" in svg and "fill:var(--ink)" in svg
    drawn = svg[svg.index("</style>") :]
    assert "#000000" not in drawn and "#ffffff" not in drawn
    assert re.search(r'(fill|stroke)="#', svg) is None  # colours live in styles only


def test_the_same_figure_draws_the_same_svg():
    assert images(run(PLOT))[0]["data"] == images(run(PLOT))[0]["data"]


def test_show_figures_in_order_and_each_once():
    code = PLOT + "plt.show()\nfig, ax = plt.subplots()\nax.set_title('second')\n"
    shown = images(run(code))
    assert [i["alt"] for i in shown] == [
        "A figure with 1 plot: A parabola, x: x, y: f(x)",
        "A figure with 1 plot: second",
    ]


def test_a_figure_as_the_last_value_or_displayed_is_shown_once():
    namespace: dict = {}
    run(PLOT + "fig = plt.gcf()\nplt.close(fig)", namespace)
    assert len(images(run("fig", namespace))) == 1
    output = run("display(fig)\nfig", namespace)
    assert len(images(output)) == 2 and output["value"] is None


def test_an_artists_repr_is_not_the_value():
    output = run("import matplotlib.pyplot as plt\nplt.plot([1, 2])")
    assert output["value"] is None  # not "[<matplotlib.lines.Line2D at 0x…>]"
    assert len(images(output)) == 1


def png_size(image: dict) -> tuple[int, int]:
    data = base64.b64decode(image["data"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(
    "code",
    [
        "import numpy as np\nimport matplotlib.pyplot as plt\n"
        "ax = plt.figure().add_subplot(projection='3d')\n"
        "x, y = np.meshgrid(np.arange(5), np.arange(5))\nax.plot_surface(x, y, x * y)",
        "import matplotlib.pyplot as plt\nplt.imshow([[0, 1], [1, 0]])",
        "import matplotlib.pyplot as plt\nplt.pcolormesh([[0, 1], [1, 0]])",
    ],
)
def test_3d_images_and_meshes_are_png_at_twice_the_size(code):
    [image] = images(run(code))
    assert image["format"] == "png"
    assert png_size(image) == (2 * image["width"], 2 * image["height"])


def test_a_huge_svg_becomes_a_png():
    code = (
        "import matplotlib.pyplot as plt\nimport random\nrandom.seed(1)\n"
        "plt.scatter([random.random() for _ in range(20000)], "
        "[random.random() for _ in range(20000)])"
    )
    [image] = images(run(code))
    assert image["format"] == "png"


def test_what_was_drawn_before_an_exception_is_shown():
    output = run_cell(PLOT + "1 / 0", {})
    assert output["error"]["type"] == "ZeroDivisionError"
    assert len(images(output)) == 1


def test_no_figure_leaks_into_the_next_cell():
    namespace: dict = {}
    run(PLOT, namespace)
    assert images(run("x = 1", namespace)) == []


def test_backend_is_selected_when_pyplot_was_imported_elsewhere():
    import matplotlib

    matplotlib.use("agg", force=True)
    import matplotlib.pyplot as plt

    plt.switch_backend("agg")
    assert len(images(run(PLOT))) == 1


ARTICLE = """---
title: Figures
date: 2026-12-01
---

```python run
#| id: drawn
{options}import matplotlib.pyplot as plt
plt.plot([0, 1, 2], [0, 1, 4])
plt.title("A parabola")
plt.show()
plt.figure()
plt.title("Second")
```
"""


def build(tmp_path, options: str = ""):
    content = tmp_path / "content"
    content.mkdir()
    (content / "figures.md").write_text(ARTICLE.format(options=options))
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    return (out / "figures" / "index.html").read_text()


def test_the_page_shows_images_and_keeps_their_bytes_once(tmp_path):
    page = build(tmp_path)
    tags = re.findall(r"<img class=\"cell-image cell-svg\"[^>]*>", page)
    assert len(tags) == 2
    assert 'alt="A figure with 1 plot: A parabola"' in tags[0]
    assert 'width="640" height="480"' in tags[0]
    assert 'src="data:image/svg+xml,' in tags[0]
    data = json.loads(re.search(r'class="cell-data">(.*?)</script>', page, re.S)[1])
    shown = data["output"]["displays"]
    assert [d["image"]["format"] for d in shown] == ["svg", "svg"]
    assert all("data" not in d["image"] for d in shown)  # the <img> holds them
    assert "svg" not in json.dumps(data).replace('"format": "svg"', "")


def test_the_authors_alt_text(tmp_path):
    page = build(tmp_path, '#| alt: ["The bowl, drawn", "An empty plot"]\n')
    assert 'alt="The bowl, drawn"' in page and 'alt="An empty plot"' in page


def test_a_wrong_alt_fails_at_its_line(tmp_path):
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, "#| alt: 3\n")
    [error] = failed.value.errors
    assert error.line == 8 and "alt must be text, or a list of texts" in error.message
