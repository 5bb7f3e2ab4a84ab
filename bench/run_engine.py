"""Benchmark the engine in CPython and in Pyodide (Node), side by side.

Usage: .venv/bin/python bench/run_engine.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from downhill.assets import publish_vendor, write_engine  # noqa: E402
from downhill.write import SiteTree  # noqa: E402

if __name__ == "__main__":
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "engine_bench.py")],
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    with tempfile.TemporaryDirectory() as folder:
        tree = SiteTree(Path(folder))
        publish_vendor(ROOT / "node_modules", tree, "/assets/", cdn=False)
        write_engine(ROOT / "engine", ROOT / "node_modules", tree)
        assets = str(Path(folder) / "assets")
        subprocess.run(["node", str(ROOT / "bench" / "engine_pyodide.mjs"), assets], check=True)
