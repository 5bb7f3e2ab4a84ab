"""Parity: the engine inside Pyodide (under Node, installed from the site's wheel) agrees
with CPython."""

import json
import subprocess

import pytest

from engine.api import to_json

from .conftest import ROOT
from .test_views import SPECS

CASES = [
    "from engine import compile_expression, descend\n"
    "f = compile_expression('x**2 + 5*x + 6').bind()\n"
    "result = descend(f, [-8], lr=0.1, steps=15).to_json()",
    "from engine import compile_expression, descend\n"
    "f = compile_expression('x**2 + 5*x + 6').bind()\n"
    "result = descend(f, [-8], lr=0.95, steps=40).to_json()",
    "from engine import compile_expression, descend, CATALOGUE\n"
    "f = compile_expression(CATALOGUE['peaks'].formula).bind()\n"
    "result = descend(f, [-0.5, 0.5], optimizer='adam', lr=0.05, steps=200).to_json()",
    "from engine import compile_expression, descend, CATALOGUE\n"
    "result = descend(compile_expression(CATALOGUE['wavy_bowl'].formula).bind(), [1.5, 1.5],"
    " lr=0.05, steps=100, optimizer='momentum').to_json()",
    "result = api.render_demo({'function': 'rosenbrock', 'optimizer': ['gd', 'rmsprop'],"
    " 'lr': 0.001, 'steps': 100, 'plots': ['contour', 'loss']})",
]
# Every figure kind, for a 1-D function, a 2-D function and a line fit.
CASES += [
    f"from engine.keys import PLOT_KINDS\n"
    f"spec = {spec!r}\n"
    f"result = api.render_demo(dict(spec, plots=list(PLOT_KINDS[{kind!r}])))"
    for kind, spec in SPECS.items()
]


def run_in_pyodide(node, site, tmp_path, cases):
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases))
    script = ROOT / "tests" / "node" / "engine_in_pyodide.mjs"
    result = subprocess.run(
        [node, str(script), str(site / "assets"), str(cases_file)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def run_in_cpython(cases):
    import engine
    import engine.api as api

    out = []
    for case in cases:
        namespace: dict = {}
        exec(case, {"engine": engine, "api": api}, namespace)
        out.append(namespace["result"])
    return json.loads(to_json(out))


def numbers(value):
    if isinstance(value, dict):
        for key in sorted(value):
            yield from numbers(value[key])
    elif isinstance(value, list):
        for item in value:
            yield from numbers(item)
    elif isinstance(value, float | int) and not isinstance(value, bool):
        yield float(value)


# Run after the cases: the standard-library modules Pyodide has imported from source
# (frozen modules name a source file too, but their spec's origin is "frozen").
FROM_SOURCE = (
    "import sys\n"
    "origins = [getattr(m.__spec__, 'origin', None) or '' for m in list(sys.modules.values())]\n"
    "result = sorted(o for o in origins if '.zip/' in o and o.endswith('.py'))"
)


@pytest.fixture(scope="module")
def pyodide_results(node, built_site, tmp_path_factory):
    """The cases, then FROM_SOURCE, run in one Pyodide booted like the site's worker."""
    folder = tmp_path_factory.mktemp("parity")
    return run_in_pyodide(node, built_site, folder, [*CASES, FROM_SOURCE])


def test_engine_in_pyodide_matches_cpython(pyodide_results):
    in_pyodide = pyodide_results[: len(CASES)]
    in_cpython = run_in_cpython(CASES)
    identical = total = 0
    for theirs, ours in zip(in_pyodide, in_cpython, strict=True):
        a, b = list(numbers(theirs)), list(numbers(ours))
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert x == pytest.approx(y, rel=1e-9, abs=1e-12)
            identical += x == y
            total += 1
        # Non-numeric content (statuses, names, layout) is identical.
        assert json.dumps(theirs, sort_keys=True).count('"') == json.dumps(
            ours, sort_keys=True
        ).count('"')
    print(f"parity: {identical}/{total} numbers bit-identical")
    # The quadratic cases use only + - *: IEEE arithmetic makes them bit-identical.
    assert in_pyodide[0] == in_cpython[0] and in_pyodide[1] == in_cpython[1]


def test_worker_imports_only_precompiled_stdlib(pyodide_results):
    """Booting, installing the engine and every figure kind use no stdlib module as source:
    each would be compiled in the reader's browser (scripts/pyodide-stdlib.mjs)."""
    assert pyodide_results[-1] == [], (
        "run 'node scripts/pyodide-stdlib.mjs' (scripts/setup does when the engine changes); "
        "if it still lists them, add what imports them to that script"
    )


ENGINE_IMPORTS = """
import sys
before = set(sys.modules)
import engine, engine.api, engine.budget, engine.catalogue, engine.descent, engine.expr
import engine.figures, engine.fitting, engine.keys, engine.optimizers, engine.schema, engine.spec
import engine.runs, engine.names, engine.drawing, engine.fit_figures, engine.trajectory
import engine.views
from engine.keys import PLOT_KINDS
for kind, spec in SPECS.items():
    engine.render_demo(dict(spec, plots=list(PLOT_KINDS[kind])))
engine.render_json("not json")
engine.render_json('{"function": "x**2 +", "start": [0]}')
new = set(sys.modules) - before
import json, sysconfig
stdlib = sysconfig.get_paths()["stdlib"]
files = {name: getattr(sys.modules[name], "__file__", None) or "" for name in new}
print(json.dumps(sorted(name for name, file in files.items() if file.startswith(stdlib))))
"""


def test_the_shipped_standard_library_holds_what_the_engine_imports(tmp_path):
    """Every standard-library module the engine imports in CPython (that Pyodide has at all)
    is in the trimmed standard library the worker boots with (as the site ships it, packed),
    precompiled."""
    import lzma
    import subprocess
    import sys
    import zipfile

    from .test_views import SPECS

    script = f"SPECS = {SPECS!r}\n{ENGINE_IMPORTS}"
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    imported = set(json.loads(found.stdout))

    def modules(path):
        with zipfile.ZipFile(path) as archive:
            names = [n.rsplit(".", 1)[0] for n in archive.namelist() if n.endswith((".py", ".pyc"))]
        return {n.removesuffix("/__init__").replace("/", ".") for n in names}

    available = modules(ROOT / "node_modules" / "pyodide" / "python_stdlib.zip")
    packed = ROOT / "node_modules" / "pyodide-downhill" / "python_stdlib.zip.xz"
    (tmp_path / "shipped.zip").write_bytes(lzma.decompress(packed.read_bytes()))
    shipped = modules(tmp_path / "shipped.zip")
    missing = sorted((imported & available) - shipped)
    assert not missing, f"run scripts/setup; still missing: add what imports {missing}"
    assert len(shipped) < len(available) / 2  # a trimmed library, not the whole one
