"""What runs are called: an optimizer's name in a legend, a sentence or a panel's title,
a run's settings and status in words, an author's own labels. Figures and words both read
these, so a chart and its summary name a run alike."""

from __future__ import annotations

import re
from typing import Any

from .trajectory import Trajectory

RUN_WORDS = {  # a run's default legend name, before ", α = …"
    "gd": "gradient descent",
    "momentum": "momentum",
    "nesterov": "Nesterov momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "newton": "Newton's method",
    "saddle-free-newton": "saddle-free Newton",
}


SHORT_NAMES = {  # in a chart's hover text and a sentence
    "gd": "GD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "newton": "Newton",
    "saddle-free-newton": "Saddle-free Newton",
}


STATUS_WORDS = {
    "converged": "converged",
    "diverged": "diverged",
    "undefined": "left f's domain",
    "left_domain": "left the domain",
    "singular": "stopped: singular Hessian",
    "max_steps": "stopped after {steps} steps",
}


COMPARED_SYMBOLS = {
    "lr": "α",
    "momentum": "μ",
    "alpha": "ρ",
    "beta1": "β₁",
    "beta2": "β₂",
    "eps": "ε",
    "tol": "tolerance",
}


def settings_of(spec: dict[str, Any], optimizer: str) -> dict[str, Any]:
    """The spec as ``optimizer``'s run sees it: its own settings (``lr: {adam: 0.05}``)
    over the demo's."""
    return {**spec, **spec.get("per_optimizer", {}).get(optimizer, {})}


def run_name(spec: dict[str, Any], optimizer: str) -> str:
    """A run's legend name: the author's (``labels.runs``), else e.g. "Adam, α = 0.1"."""
    named = spec["labels"]["runs"].get(optimizer)
    own = settings_of(spec, optimizer)
    return named or f"{RUN_WORDS[optimizer]}, α = {own['lr']:g}" + own_settings_words(
        spec, optimizer
    )


def own_settings_words(spec: dict[str, Any], optimizer: str) -> str:
    """A run's settings of its own besides α, for its legend name: ", μ = 0.95"."""
    own = spec.get("per_optimizer", {}).get(optimizer, {})
    return "".join(f", {setting_words(k, v)}" for k, v in own.items() if k != "lr")


def setting_words(key: str, value: Any, constants: bool = False) -> str:
    """A run setting in words, as a legend or a panel's title says it: "μ = 0.95",
    "cosine schedule" (``constants``: with its constants on a line below), "5-step warm-up",
    "gradient clipped to 1"."""
    if key == "schedule":
        if not value:
            return "no schedule"
        named = ", ".join(f"{k} {v:g}" for k, v in value.items() if k != "kind")
        return f"{value['kind']} schedule" + (f"<br>{named}" if constants and named else "")
    if key == "warmup":
        return f"{value}-step warm-up" if value else "no warm-up"
    if key == "clip_norm":
        return f"gradient clipped to {value:g}"
    symbol = COMPARED_SYMBOLS.get(key, key.partition(".")[2] or key)
    return f"{symbol} = {value:g}" if isinstance(value, int | float) else f"{symbol} = {value}"


def schedule_words(spec: dict[str, Any]) -> str:
    """How the rate varies, as a sentence for the summary (a legend at phone width has no
    room for it): " The rate follows a cosine schedule after a 5-step warm-up." Or nothing."""
    kind = spec["schedule"]["kind"] if spec.get("schedule") else None
    warmup = spec.get("warmup") or 0
    ramp = f"a {warmup}-step warm-up" if warmup else ""
    if kind:
        article = "an" if kind == "exponential" else "a"
        return f" The rate follows {article} {kind} schedule" + (f" after {ramp}." if ramp else ".")
    return f" The rate rises linearly over {ramp}." if ramp else ""


def label(spec: dict[str, Any], kind: str, name: str, default: str) -> str:
    """The author's ``labels.<kind>.<name>``, else ``default``."""
    return spec["labels"].get(kind, {}).get(name, default)


def f_of(spec: dict[str, Any]) -> str:
    return "loss" if spec["fit"] else "f(x)" if spec["dim"] == 1 else "f(x, y)"


def panel_title(key: str, value: Any, run: Trajectory) -> str:
    """A panel's default title in words, on two lines: "α = 0.5<br>diverged"."""
    head, _, tail = key.partition(".")
    if key == "optimizer":
        compared = RUN_WORDS[value]
    elif key == "steps":
        compared = f"{value} steps"
    elif key == "start":
        compared = "start (" + ", ".join(f"{v:g}" for v in value) + ")"
    elif head == "start":
        compared = f"{tail}₀ = {value:g}"
    elif key == "fit.loss":
        compared = str(value).upper()
    elif key == "fit.method":
        compared = f"{value} descent"
    elif key == "clip":
        compared = f"clipped to [{value[0]:g}, {value[1]:g}]" if value else "not clipped"
    elif key == "ascent":
        compared = "ascent" if value else "descent"
    else:
        compared = setting_words(key, value, constants=True)
    status = STATUS_WORDS[run.status].format(steps=run.steps)
    return f"{re.sub(r'-(?=[0-9.])', '−', compared)}<br>{status}"  # a minus sign


def beyond_bound(title: str, rate: float, bound: float) -> str:
    """A panel over lr says which side of the stability bound 2/λ_max its rate is on."""
    side = "above" if rate > bound else "below"
    head, _, tail = title.partition("<br>")
    return f"{head}<br>{side} 2/λ_max = {bound:.3g}<br>{tail}"  # (a line each: panels are narrow)


def point_words(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{c:.3g}" for c in point) + ")"


def fit_axis_titles(
    spec: dict[str, Any], standardized: tuple[float, float] | None
) -> tuple[str, str]:
    """The fit's axis titles: the data's column names, and how x was standardized (the
    mean and sd of the author's x, from :class:`engine.runs.Fit`)."""
    fit = spec["fit"]
    x, y = fit.get("x") or "x", fit.get("y") or "y"
    if standardized is not None:
        mean, sd = standardized
        x = f"({x} − {mean:.3g}) / {sd:.3g}"
    return x, y


def short_name(optimizer: str) -> str:
    """An optimizer's short name, as a chart's hover and a sentence say it: "GD", "Adam"."""
    return SHORT_NAMES[optimizer]
