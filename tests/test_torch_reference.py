"""The optimizers and the learning-rate schedules against PyTorch itself: torch.optim and
torch.optim.lr_scheduler run the same loop in float64 on the same functions, with torch's
autograd for the gradients. (test_optimizers.py and test_schedules_newton.py hold NumPy
oracles written from torch's documentation; this checks those readings against torch.)"""

from __future__ import annotations

import numpy as np
import pytest

from engine.runs import trajectories
from engine.spec import normalize_spec

torch = pytest.importorskip("torch")  # in the test extras: scripts/setup --test installs it

FUNCTIONS = {
    # name: (the engine's expression, the same in torch, start, rate)
    "bowl": ("x**2 + 3*y**2", lambda x, y: x**2 + 3 * y**2, [2.0, -1.0], 0.1),
    "rosenbrock": (
        "(1 - x)**2 + 100*(y - x**2)**2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        [-1.2, 1.0],
        0.0005,
    ),
    "wavy": (
        "x**2 + y**2 + 0.5*sin(3*x) + 0.5*cos(3*y)",
        lambda x, y: x**2 + y**2 + 0.5 * torch.sin(3 * x) + 0.5 * torch.cos(3 * y),
        [1.5, 1.2],
        0.05,
    ),
}
OPTIMIZERS = {
    "gd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-10),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.99, eps=1e-8),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8),
}
SCHEDULERS = {
    "step": lambda o, c: torch.optim.lr_scheduler.StepLR(o, c["step_size"], c["gamma"]),
    "exponential": lambda o, c: torch.optim.lr_scheduler.ExponentialLR(o, c["gamma"]),
    "cosine": lambda o, c: torch.optim.lr_scheduler.CosineAnnealingLR(o, c["T_max"], c["eta_min"]),
}
SCHEDULES = [
    {"kind": "step", "step_size": 7, "gamma": 0.5},
    {"kind": "exponential", "gamma": 0.93},
    {"kind": "cosine", "T_max": 12, "eta_min": 0.001},
]
STEPS = 30


def torch_run(
    function,
    start,
    optimizer: str,
    lr: float,
    schedule: dict | None = None,
    warmup: int = 0,
    clip_norm: float | None = None,
) -> np.ndarray:
    """The iterates of torch's own loop: step the optimizer, then the scheduler."""
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = OPTIMIZERS[optimizer]([theta], lr)
    schedulers = []
    if schedule:
        constants = {k: v for k, v in schedule.items() if k != "kind"}
        schedulers.append(SCHEDULERS[schedule["kind"]](opt, constants))
    if warmup:  # a factor rising linearly from 1/w to 1 over the first w steps
        schedulers.append(
            torch.optim.lr_scheduler.LinearLR(opt, 1 / warmup, 1.0, total_iters=warmup - 1)
        )
    if len(schedulers) == 2:  # the warm-up's factor on top of the schedule, step by step
        schedulers = [torch.optim.lr_scheduler.ChainedScheduler(schedulers, optimizer=opt)]
    path = [theta.detach().numpy().copy()]
    for _ in range(STEPS):
        opt.zero_grad()
        function(theta[0], theta[1]).backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_([theta], clip_norm)
        opt.step()
        for s in schedulers:
            s.step()
        path.append(theta.detach().numpy().copy())
    return np.array(path)


def engine_run(expression, start, optimizer, lr, **extra) -> np.ndarray:
    spec = {"function": expression, "start": start, "optimizer": optimizer, "lr": lr}
    (run,) = trajectories(normalize_spec({**spec, "steps": STEPS, **extra}))
    return np.array(run.points)


def same(ours: np.ndarray, theirs: np.ndarray) -> None:
    scale = np.abs(theirs).max()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10 * scale)


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_each_optimizer_is_torch_optim(function, optimizer):
    expression, in_torch, start, lr = FUNCTIONS[function]
    same(engine_run(expression, start, optimizer, lr), torch_run(in_torch, start, optimizer, lr))


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s["kind"])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("warmup", [0, 5])
def test_each_schedule_is_torchs_lr_scheduler(schedule, optimizer, warmup):
    expression, in_torch, start, lr = FUNCTIONS["bowl"]
    if warmup and schedule["kind"] == "cosine":
        # torch chains cosine's recursive rule, which keeps a product only when η_min = 0
        # (with η_min > 0 the engine's rate is LambdaLR's min(1, (k + 1) / w) · factor(k))
        schedule = {**schedule, "eta_min": 0.0}
    ours = engine_run(expression, start, optimizer, lr, schedule=schedule, warmup=warmup)
    same(ours, torch_run(in_torch, start, optimizer, lr, schedule, warmup))


def test_a_warm_up_alone_is_torchs_linear_ramp():
    expression, in_torch, start, lr = FUNCTIONS["bowl"]
    ours = engine_run(expression, start, "gd", lr, warmup=8)
    same(ours, torch_run(in_torch, start, "gd", lr, warmup=8))


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("function", ["rosenbrock", "wavy"])
def test_clipping_by_norm_is_torchs_clip_grad_norm(optimizer, function):
    expression, in_torch, start, lr = FUNCTIONS[function]
    lr = lr * 20  # a rate at which unclipped steps would be large: the clip bites
    ours = engine_run(expression, start, optimizer, lr, clip_norm=1.0)
    same(ours, torch_run(in_torch, start, optimizer, lr, clip_norm=1.0))
    with pytest.raises(AssertionError):  # and it changed the run
        same(ours, torch_run(in_torch, start, optimizer, lr))


def test_the_reference_can_tell_schedules_apart():
    """The comparison has teeth: a step schedule is not torch's exponential one."""
    expression, in_torch, start, lr = FUNCTIONS["bowl"]
    ours = engine_run(expression, start, "gd", lr, schedule=SCHEDULES[0])
    with pytest.raises(AssertionError):
        same(ours, torch_run(in_torch, start, "gd", lr, SCHEDULES[1]))
