"""Site build benchmark: Downhill against Pelican on the same synthetic posts.

Generates N posts (math, code, lists; a demo in every tenth for Downhill), then times
a full Downhill build, a rebuild after one post changes, and a Pelican build of the same
posts without demos. Pelican lives in its own virtual environment (bench/.venv-pelican,
made on first run) because it pins an older Pygments than Downhill.

Usage: .venv/bin/python bench/site_bench.py [N]   (default 1000)
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from downhill.site import BuildConfig, build_site  # noqa: E402

PELICAN_VENV = ROOT / "bench" / ".venv-pelican"
PELICAN = "pelican==4.12.0"

BODY = """
Gradient descent on post {n}: we minimise $f(x) = x^2 + {a}x$ with step $\\alpha$.

$$
x_{{k+1}} = x_k - \\alpha f'(x_k) = x_k - \\alpha (2 x_k + {a})
$$

## Steps

1. Start at $x_0 = {n}$.
2. Compute the slope, then step against it.
3. Stop when $|f(x_{{k+1}}) - f(x_k)| < \\varepsilon$.

- a list item with `inline code`
- another with *emphasis* and **strong** text

```python
def step(x, lr={lr}):
    return x - lr * (2 * x + {a})
```

| k | x |
|---|---|
| 0 | {n} |
| 1 | {x1} |

Some closing prose about post {n}, long enough to look like an article paragraph with a
few sentences in it. Descent is simple; choosing the step is not.
"""

DEMO = """
```demo
function: x**2 + {a}*x
start: [{n}]
lr: {lr}
steps: 20
controls:
  lr: {{min: 0.01, max: 1.0, step: 0.01}}
```
"""


def write_posts(folder: Path, count: int, demos: bool, pelican: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        a, lr = n % 7 + 1, 0.1
        body = BODY.format(n=n % 50, a=a, lr=lr, x1=(n % 50) - lr * (2 * (n % 50) + a))
        if demos and n % 10 == 0:
            body += DEMO.format(a=a, n=n % 50, lr=lr)
        date = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
        if pelican:
            head = f"Title: Post {n}\nDate: {date}\nSlug: post-{n}\nTags: bench, t{n % 5}\n\n"
        else:
            head = f"---\ntitle: Post {n}\ndate: {date}\ntags: [bench, t{n % 5}]\n---\n"
        (folder / f"post-{n}.md").write_text(head + body)


def pelican_python() -> Path:
    python = PELICAN_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PELICAN, "markdown"], check=True)
    return python


RUNS = 5  # cold full builds of each, compared by their medians (single runs vary by 50%)


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(count: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="downhill-bench-"))
    try:
        write_posts(work / "content", count, demos=True, pelican=False)
        write_posts(work / "pelican-content", count, demos=False, pelican=True)
        config = BuildConfig(content=work / "content", out=work / "site", cache=work / "cache")
        settings = work / "pelicanconf.py"
        settings.write_text(
            "SITENAME = 'bench'\nTIMEZONE = 'UTC'\nDEFAULT_LANG = 'en'\n"
            "FEED_ALL_ATOM = None\nRELATIVE_URLS = True\nCACHE_CONTENT = False\n"
        )
        python = pelican_python()

        def downhill_build() -> None:  # cold: no site, no cache
            shutil.rmtree(work / "site", ignore_errors=True)
            shutil.rmtree(work / "cache", ignore_errors=True)
            build_site(config)

        def pelican_build() -> None:
            shutil.rmtree(work / "pelican-out", ignore_errors=True)
            subprocess.run(
                [
                    *(str(python), "-m", "pelican", str(work / "pelican-content")),
                    *("-o", str(work / "pelican-out"), "-s", str(settings), "-q"),
                ],
                check=True,
            )

        # Interleaved, so that a slow spell of this shared machine falls on both.
        fulls, pelicans = [], []
        for _ in range(RUNS):
            fulls.append(timed(downhill_build))
            pelicans.append(timed(pelican_build))
        full, pelican = statistics.median(fulls), statistics.median(pelicans)
        edits = []
        for k in range(5):  # an author saving a post again and again, as under `serve`
            changed = work / "content" / f"post-{5 + k}.md"
            changed.write_text(changed.read_text() + f"\nOne more sentence, edit {k}.\n")
            edits.append(timed(lambda: build_site(config)))
        rebuild = statistics.median(edits)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"posts: {count} (Downhill: a demo in every tenth; Pelican: same posts, no demos)")
    print(f"downhill full build: {full:.2f} s (median of {RUNS}: {_runs(fulls)})")
    print(
        f"downhill rebuild after one post changed: {rebuild:.3f} s (median of 5 edits; "
        f"first {edits[0]:.3f} s)"
    )
    print(f"pelican full build: {pelican:.2f} s (median of {RUNS}: {_runs(pelicans)})")
    print(f"downhill is {pelican / full:.2f}x Pelican's speed on a full build")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
