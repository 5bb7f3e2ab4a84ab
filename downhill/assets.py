"""Stage 5, assets: self-hosted vendor files, the engine wheel and the site's own CSS/JS.

Vendor files are copied from the pinned npm packages (only the files a page loads). The
engine reaches Pyodide as a pure-Python wheel listed in a small lock file, so the worker
installs it during boot (``packages: [...]``) rather than in a second round trip.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

ENGINE_DIST = "downhill_engine"
ENGINE_PACKAGE = "downhill-engine"
ENGINE_VERSION = "0.1.0"
# Fixed timestamp so the same engine source always gives the same wheel bytes.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


class MissingAssets(Exception):
    """A vendor package is not installed; the message says which command fixes it."""


@dataclass(frozen=True)
class VendorFile:
    package: str  # npm package folder under node_modules
    source: str  # path inside the package (a folder copies recursively)
    target: str  # path under site/assets/vendor/


VENDOR_FILES = (
    VendorFile("pyodide", "pyodide.mjs", "pyodide/pyodide.mjs"),
    VendorFile("pyodide", "pyodide.asm.mjs", "pyodide/pyodide.asm.mjs"),
    VendorFile("pyodide", "pyodide.asm.wasm", "pyodide/pyodide.asm.wasm"),
    VendorFile("pyodide", "python_stdlib.zip", "pyodide/python_stdlib.zip"),
    VendorFile("plotly.js-dist-min", "plotly.min.js", "plotly/plotly.min.js"),
    VendorFile("mathjax", "tex-chtml.js", "mathjax/tex-chtml.js"),
    VendorFile("mathjax", "input/tex/extensions", "mathjax/input/tex/extensions"),
    VendorFile("@mathjax/mathjax-newcm-font", "chtml", "mathjax/fonts/mathjax-newcm-font/chtml"),
)


def package_version(node_modules: Path, package: str) -> str:
    manifest = node_modules / package / "package.json"
    if not manifest.exists():
        raise MissingAssets(
            f"{manifest.parent} is missing: run 'npm ci' in the project folder "
            "(the README's commands do it for you)"
        )
    return json.loads(manifest.read_text())["version"]


def copy_vendor(node_modules: Path, assets: Path) -> None:
    """Copy the pinned browser runtimes into ``assets/vendor``."""
    for item in VENDOR_FILES:
        package_version(node_modules, item.package)
        source = node_modules / item.package / item.source
        target = assets / "vendor" / item.target
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def engine_wheel(engine_dir: Path) -> tuple[str, bytes]:
    """Build the engine as a pure-Python wheel, byte-for-byte reproducible."""
    files: dict[str, bytes] = {
        f"engine/{path.name}": path.read_bytes() for path in sorted(engine_dir.glob("*.py"))
    }
    dist_info = f"{ENGINE_DIST}-{ENGINE_VERSION}.dist-info"
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {ENGINE_PACKAGE}\nVersion: {ENGINE_VERSION}\n"
        "Summary: Downhill's descent engine (stdlib-only)\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: downhill\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{dist_info}/top_level.txt"] = b"engine\n"
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data)
    name = f"{ENGINE_DIST}-{ENGINE_VERSION}-py3-none-any.whl"
    return name, buffer.getvalue()


def write_engine(engine_dir: Path, node_modules: Path, assets: Path) -> str:
    """Write the engine wheel and the Pyodide lock file naming it; return the wheel's sha256."""
    name, data = engine_wheel(engine_dir)
    sha256 = hashlib.sha256(data).hexdigest()
    target = assets / "engine"
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_bytes(data)
    pyodide_lock = json.loads((node_modules / "pyodide" / "pyodide-lock.json").read_text())
    lock = {
        "info": pyodide_lock["info"],
        "packages": {
            ENGINE_PACKAGE: {
                "name": ENGINE_PACKAGE,
                "version": ENGINE_VERSION,
                "file_name": name,
                "install_dir": "site",
                "sha256": sha256,
                "package_type": "package",
                "imports": ["engine"],
                "depends": [],
            }
        },
    }
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    return sha256


def copy_static(static_dir: Path, assets: Path) -> None:
    """The site's own CSS, JS and icons."""
    for path in sorted(static_dir.iterdir()):
        if path.is_file():
            shutil.copyfile(path, assets / path.name)
