"""What each chart shows, in sentences: the one source of a demo's summary.

Each plot kind has a ``says(spec, runs, figure)`` here that states what that chart draws
(a run's end, a sweep's best rate and where divergence starts, each panel of multiples, a
direction of steepest ascent), naming runs as the legend does. The build, the keyframes
and the reader's worker all call :func:`engine.api.render_demo`, so they say the same.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .drawing import Figure
from .names import STATUS_WORDS, fit_axis_titles, schedule_words, short_name
from .trajectory import CONVERGED, DIVERGED, LEFT_DOMAIN, SINGULAR, UNDEFINED, Trajectory

if TYPE_CHECKING:
    from .runs import Runs

Spec = dict[str, Any]


def number(value: float) -> str:
    """Three significant digits, a true minus sign, and e-notation for the very small."""
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return text.replace("-", "\u2212")


def point(p: tuple[float, ...] | list[float]) -> str:
    return number(p[0]) if len(p) == 1 else "(" + ", ".join(number(c) for c in p) + ")"


def steps_of(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def runner(spec: Spec, optimizer: str) -> str:
    """A run's name in a sentence: the author's legend name, else the optimizer's."""
    named = spec["labels"]["runs"].get(optimizer)
    if named:
        return named
    label = short_name(optimizer)
    if spec.get("ascent"):
        return "Gradient ascent" if optimizer == "gd" else f"{label} (ascent)"
    return label


def describe(t: Trajectory, spec: Spec) -> str:
    """Where one run ended, in words and numbers (no full stop)."""
    name, end, value = runner(spec, t.optimizer), point(t.points[-1]), number(t.values[-1])
    f = "loss" if spec.get("fit") else "f"
    if spec.get("fit"):
        end = f"(w, b) = {end}"
    if t.status == DIVERGED:
        return f"{name} diverged at step {t.steps + 1} (last finite point {end}, {f} = {value})"
    if t.status == SINGULAR:
        return (
            f"{name} stopped at {end} after {steps_of(t.steps)}: the Hessian there is "
            f"singular, so Newton's step H⁻¹∇f is undefined ({f} = {value})"
        )
    if t.status == UNDEFINED:
        return (
            f"{name} stepped out of f's domain at step {t.steps + 1}: f is not defined where "
            f"it landed (last point {end}, f = {value})"
        )
    if t.steps and all(p == t.points[0] for p in t.points):
        return f"{name} did not move from {end}: every step was 0 ({f} = {value})"
    if t.status == CONVERGED:
        box = spec.get("domain")
        if box and not all(lo <= c <= hi for c, (lo, hi) in zip(t.points[-1], box, strict=False)):
            return (
                f"{name} stopped outside the plot, at {end}, where the ground is flat "
                f"(after {steps_of(t.steps)}, {f} = {value})"
            )
        return f"{name} converged to {end} in {steps_of(t.steps)}, {f} = {value}"
    if t.status == LEFT_DOMAIN:
        return f"{name} left the domain at step {t.steps}, at {end}"
    return f"{name} reached {end} after {steps_of(t.steps)}, {f} = {value}"


def curvature_words(t: Trajectory) -> str:
    """Newton's steps where the Hessian was not positive definite, in words."""
    if not t.modified:
        return ""
    count = len(t.modified)
    first = t.modified[0]
    where = f"at step {first}" if count == 1 else f"at {count} steps, first at step {first}"
    if t.optimizer == "saddle-free-newton":
        how = "there it stepped along |H|⁻¹∇f, its eigenvalues made positive, so as to go downhill"
    else:
        how = "there Newton's step heads for the saddle or maximum of the local quadratic model"
    return f" (the Hessian was not positive definite {where}: {how})"


def run_sentences(spec: Spec, runs: list[Trajectory]) -> list[str]:
    """One sentence per run drawn."""
    return [describe(t, spec) + curvature_words(t) + "." for t in runs]


def ranking(spec: Spec, runs: list[Trajectory]) -> list[str]:
    """With two runs or more, which ends lowest (highest when climbing)."""
    finished = [t for t in runs if t.status != DIVERGED and math.isfinite(t.values[-1])]
    if len(runs) < 2 or not finished:
        return []
    climbing = bool(spec.get("ascent"))
    best = (max if climbing else min)(finished, key=lambda t: t.values[-1])
    others = [t for t in finished if t is not best]
    if others and all(t.values[-1] == best.values[-1] for t in others):
        return [f"All {len(runs)} runs end at the same value."]
    where = "highest" if climbing else "lowest"
    return [f"{runner(spec, best.optimizer)} ends {where}, at {number(best.values[-1])}."]


def runs_say(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """A chart of the runs themselves: where each ended."""
    return run_sentences(spec, runs.trajectories)


def race_says(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """A race or a loss chart: each run's end, and which ends lowest."""
    return run_sentences(spec, runs.trajectories) + ranking(spec, runs.trajectories)


def sweep_says(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """Per optimizer: the rates that converge, the fastest, and where divergence starts,
    read from the sweep's own traces; then the stability bound, if drawn."""
    o = spec["sweep"]
    out = []
    traces = {
        (t["legendgroup"], t["meta"]["converged"]): t
        for t in figure["data"]
        if "converged" in t.get("meta", {})
    }
    for name in spec["optimizer"]:
        who = runner(spec, name)
        good, bad = traces[(name, True)], traces[(name, False)]
        rates, steps = good["x"], good["y"]
        lead = f"Over α from {number(o['min'])} to {number(o['max'])}, {who}"
        if not rates:
            out.append(f"{lead} converges at no rate within {steps_of(o['steps'])}.")
            continue
        k = min(range(len(rates)), key=lambda i: (steps[i], -rates[i]))
        sentence = (
            f"{lead} converges for α from {number(min(rates))} to {number(max(rates))}, "
            f"fastest at α = {number(rates[k])} ({steps_of(steps[k])})"
        )
        failed = dict(zip(bad["x"], bad["text"], strict=True))  # rate → how it ended
        limit = steps_of(o["steps"])
        above = sorted(lr for lr in failed if lr > max(rates))
        if above and failed[above[0]] == "diverged":
            sentence += f"; from α = {number(above[0])} on, it diverges"
        elif above:
            sentence += f"; from α = {number(above[0])} on, it does not settle within {limit}"
        if any(lr < min(rates) for lr in failed):
            sentence += f"; below α = {number(min(rates))} it needs more than {limit}"
        out.append(sentence + ".")
    bound = [t["name"] for t in figure["data"] if t.get("name", "").startswith(("2/λ", "no stab"))]
    if bound:
        out.append(
            f"The dashed line marks {bound[0]}."
            if bound[0].startswith("2/λ")
            else bound[0][0].upper() + bound[0][1:] + "."
        )
    return out


def multiples_says(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """Each panel's runs by the panel's own title, then which panel ends lowest."""
    ((_, values),) = spec["compare"].items()
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    out, ends = [], []
    for title, variant, panel in zip(titles, spec["panels"], runs.panels, strict=True):
        panel_runs = panel.trajectories
        head = title.split("<br>")[0]
        out.append(f"{head}: " + "; ".join(describe(t, variant) for t in panel_runs) + ".")
        finished = [t.values[-1] for t in panel_runs if t.status != DIVERGED]
        ends.append((min(finished) if finished else math.inf, head))
    reached = [e for e in ends if math.isfinite(e[0])]
    if len(values) > 1 and reached and len({e[0] for e in reached}) > 1:
        value, head = min(reached)
        out.append(f"Lowest at the end: {head} ({number(value)}).")
    return out


def directional_says(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """The directional derivative's largest and smallest values and their directions."""
    start = spec["start"]
    gx, gy = runs.directional.gradient
    norm = math.hypot(gx, gy)
    marked = next(t for t in figure["data"] if t["name"] == "θ")
    theta, value = marked["x"][0], marked["y"][0]
    at = f"At {point(start)}, the directional derivative"
    if norm == 0:
        return [f"{at} is 0 in every direction: the gradient is 0 there."]
    steepest = math.degrees(math.atan2(gy, gx)) % 360
    return [
        f"{at} is largest, {number(norm)} = |∇f|, at θ = {steepest:.0f}° (the gradient's "
        f"direction), and smallest, {number(-norm)}, at θ = {(steepest + 180) % 360:.0f}°; "
        f"at θ = {theta:.0f}° it is {number(value)}."
    ]


def basins_says(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """How many minima the starts reach, and what share of the grid reaches each."""
    heat = next(t for t in figure["data"] if t["type"] == "heatmap")
    minima = next(t for t in figure["data"] if t.get("name") == "minima")
    labels = [v for row in heat["z"] for v in row]
    total = len(labels)
    who = runner(spec, spec["optimizer"][0])
    parts = [
        f"{point((x, y))} from {100 * labels.count(k) / total:.0f}% of them"
        for k, (x, y) in enumerate(zip(minima["x"], minima["y"], strict=True))
    ]
    count = len(parts)
    text = (
        f"From a {len(heat['x'])}×{len(heat['y'])} grid of starts, {who} at α = "
        f"{number(spec['lr'])} reaches {count} minim{'um' if count == 1 else 'a'}"
    )
    text += ": " + "; ".join(parts) if parts else ""
    lost = labels.count(-1)
    if lost:
        text += f"; {100 * lost / total:.0f}% reach none within {steps_of(spec['basins']['steps'])}"
    return [text + "."]


def fit_says(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """Each run's line, and the least-squares line it is measured against."""
    w_best, b_best = runs.fit.best_line
    loss = spec["fit"]["loss"].upper()
    x = "z" if spec["fit"]["standardize"] else "x"  # the standard score of x, as the axis says
    out = []
    for t in runs.trajectories:
        w, b = t.points[-1]
        status = "" if t.status == "max_steps" else f" ({STATUS_WORDS[t.status]})"
        out.append(
            f"{runner(spec, t.optimizer)}'s line after {steps_of(t.steps)}{status}: "
            f"ŷ = {number(w)}{x} + {number(b)}, {loss} = {number(t.values[-1])}."
        )
    out.append(f"The least-squares line is ŷ = {number(w_best)}{x} + {number(b_best)}.")
    if spec["fit"]["standardize"]:
        out.append(f"Here z = {fit_axis_titles(spec, runs.fit.standardized)[0]}, x standardized.")
    return [s.replace("+ −", "− ") for s in out]


def weight_says(spec: Spec, runs: Runs, figure: Figure) -> list[str]:
    """Where each loss drawn against the weight is least."""
    parts = []
    for trace in figure["data"]:
        ys = [(y, x) for x, y in zip(trace["x"], trace["y"], strict=True) if y is not None]
        if ys:
            loss = trace["name"].split(" (")[0]
            parts.append(f"{loss} is least at w = {number(min(ys)[1])}")
    _, b_best = runs.fit.best_line
    return [
        f"With b held at {number(b_best)}, "
        + " and ".join(parts)
        + " (each on an axis of its own: MSE left, MAE right)."
    ]


def summary(spec: Spec, said: list[list[str]]) -> str:
    """The demo's summary: each chart's sentences once, in order, then the schedule."""
    sentences = list(dict.fromkeys(s for chart in said for s in chart))
    if not sentences:
        return ""
    return " ".join(sentences) + schedule_words(spec)
