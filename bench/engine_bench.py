"""Engine benchmark: the same code runs in CPython and, via bench/engine_pyodide.mjs, in Pyodide.

Prints one line per measurement (best of several repeats, to damp noise) and a JSON line.
Run: .venv/bin/python bench/run_engine.py   (builds the engine wheel, then runs both).
"""

import json
import sys
import time

from engine import CATALOGUE, compile_expression, descend
from engine.expr import evaluate_tree
from engine.views import basin_map, sample_grid


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure():
    peaks = CATALOGUE["peaks"]
    f = compile_expression(peaks.formula).bind()
    tree = compile_expression(peaks.formula).tree
    points = [(-3 + 6 * i / 99, -3 + 6 * j / 99) for i in range(100) for j in range(10)]

    def compiled():
        value = f.value_at
        for x, y in points:
            value(x, y)

    def walked():
        for x, y in points:
            evaluate_tree(tree, {"x": x, "y": y})

    t_descent = best(lambda: descend(f, [-0.5, 0.5], "gd", 0.01, 300), 20)
    t_grid = best(lambda: sample_grid(f, peaks.domain, 60), 5)
    t_basins = best(lambda: basin_map(f, peaks.domain, 40, "gd", 0.05, 300, 1e-8), 1)
    t_compiled = best(compiled, 5)
    t_walked = best(walked, 5)
    return {
        "descent_300_ms": 1000 * t_descent,
        "grid_60x60_ms": 1000 * t_grid,
        "basins_40x40_ms": 1000 * t_basins,
        "eval_compiled_us": 1e6 * t_compiled / len(points),
        "eval_tree_us": 1e6 * t_walked / len(points),
        "compiled_speedup": t_walked / t_compiled,
    }


def report(label, result):
    print(f"[{label}] 300-step descent on peaks: {result['descent_300_ms']:.2f} ms")
    print(f"[{label}] 60x60 grid of peaks: {result['grid_60x60_ms']:.1f} ms")
    print(
        f"[{label}] 40x40 basin map (gd, lr 0.05, <=300 steps): {result['basins_40x40_ms']:.0f} ms"
    )
    print(
        f"[{label}] one evaluation: compiled {result['eval_compiled_us']:.2f} us, "
        f"tree walk {result['eval_tree_us']:.2f} us ({result['compiled_speedup']:.1f}x)"
    )


if __name__ == "__main__":
    result = measure()
    report(sys.implementation.name if sys.platform != "emscripten" else "pyodide", result)
    print(json.dumps(result))
