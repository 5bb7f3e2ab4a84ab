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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .write import SiteTree

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
    target: str  # path under the package's versioned folder in assets/vendor/
    on_cdn: bool = True  # False: built here (scripts/*.mjs); with --assets cdn, not used
    self_hosted: bool = True  # False: only with --assets cdn (self-hosted sites ship it packed)
    everywhere: bool = False  # built here, and self-hosted with --assets cdn too


VENDOR_FILES = (
    VendorFile("pyodide", "pyodide.mjs", "pyodide.mjs"),
    VendorFile("pyodide", "pyodide.asm.mjs", "pyodide.asm.mjs"),
    VendorFile("pyodide", "pyodide.asm.wasm", "pyodide.asm.wasm", self_hosted=False),
    # Pyodide's runtime as Downhill ships it (node_modules/pyodide-downhill): the standard
    # library with only what the worker imports, precompiled (scripts/pyodide-stdlib.mjs:
    # it halves the boot), and it and the WebAssembly packed with xz, with the decoder
    # (scripts/pack-runtime.py: 3.5 MB instead of 4.7 MB to download)
    VendorFile("pyodide-downhill", "pyodide.asm.wasm.xz", "pyodide.asm.wasm.xz", False),
    VendorFile("pyodide-downhill", "python_stdlib.zip.xz", "python_stdlib.zip.xz", False),
    VendorFile("pyodide-downhill", "xz-decompress.wasm", "xz-decompress.wasm", False),
    # The whole standard library (source), for the cells' worker only
    VendorFile("pyodide-downhill", "python_stdlib_full.zip.xz", "python_stdlib_full.zip.xz", False),
    VendorFile("pyodide", "python_stdlib.zip", "python_stdlib.zip", self_hosted=False),
    # The cell editor (CodeMirror 6), loaded when a reader edits a cell
    VendorFile("downhill-editor", "editor.min.js", "editor.min.js", False, everywhere=True),
    VendorFile("plotly.js-dist-min", "plotly.min.js", "plotly.min.js"),
    VendorFile(
        "plotly.js-downhill-2d", "plotly-downhill-2d.min.js", "plotly-downhill-2d.min.js", False
    ),
    VendorFile(
        "plotly.js-cartesian-dist-min", "plotly-cartesian.min.js", "plotly-cartesian.min.js"
    ),
    VendorFile("plotly.js-gl3d-dist-min", "plotly-gl3d.min.js", "plotly-gl3d.min.js"),
    VendorFile(
        "plotly.js-downhill-3d", "plotly-downhill-3d.min.js", "plotly-downhill-3d.min.js", False
    ),
)
# Plotly bundles by the trace types they contain (from each package's README).
FLAT_BUNDLES = (  # 2-D, smallest first
    # Plotly's core with the engine's 2-D traces, built by scripts/plotly-bundles.mjs
    ("plotly.js-downhill-2d", "plotly-downhill-2d.min.js", {"contour", "heatmap", "scatter"}),
    (
        "plotly.js-cartesian-dist-min",
        "plotly-cartesian.min.js",
        {
            "bar",
            "box",
            "contour",
            "heatmap",
            "histogram",
            "histogram2d",
            "histogram2dcontour",
            "image",
            "pie",
            "scatter",
            "scatterternary",
            "violin",
        },
    ),
)
SOLID_BUNDLES = (  # 3-D, smallest first
    # Plotly's core with the engine's 3-D traces, built by scripts/plotly-bundles.mjs
    ("plotly.js-downhill-3d", "plotly-downhill-3d.min.js", {"scatter", "scatter3d", "surface"}),
    (
        "plotly.js-gl3d-dist-min",
        "plotly-gl3d.min.js",
        {"cone", "isosurface", "mesh3d", "scatter", "scatter3d", "streamtube", "surface", "volume"},
    ),
)
FULL_BUNDLE = ("plotly.js-dist-min", "plotly.min.js")
CDN = "https://cdn.jsdelivr.net/npm"


def package_version(node_modules: Path, package: str) -> str:
    manifest = node_modules / package / "package.json"
    if not manifest.exists():
        raise MissingAssets(
            f"{manifest.parent} is missing: run 'npm ci' in the project folder "
            "(the README's commands do it for you)"
        )
    return json.loads(manifest.read_text())["version"]


def vendor_folder(package: str, version: str) -> str:
    """``@mathjax/mathjax-newcm-font`` 4.1.3 → ``mathjax-newcm-font-4.1.3``."""
    return f"{package.rsplit('/', 1)[-1]}-{version}"


@dataclass(frozen=True)
class Vendor:
    """Where each runtime is loaded from: self-hosted (default) or a pinned CDN."""

    urls: dict[str, str]  # (package, file) joined as "package/file" → URL
    integrity: dict[str, str]  # URL → SRI hash, for CDN scripts
    cdn: bool
    # The worker's packed runtime (self-hosted only): "wasm" and "stdlib", each the URL of
    # an .xz file with its unpacked size as the fragment, and "xz", the decoder's URL.
    packed: dict[str, str] = field(default_factory=dict)

    def url(self, package: str, file: str) -> str:
        return self.urls[f"{package}/{file}"]

    def plotly_for(self, trace_types: set[str]) -> tuple[str, str | None]:
        """The smallest Plotly bundles that draw every trace type on a page.

        Returns (bundle to load with the page, bundle to load after it or None). A page
        mixing 2-D and 3-D charts loads a 2-D bundle with the page and the 3-D one once
        its 2-D charts are drawn: together they weigh less than the full bundle, and the
        3-D bundle, slow to start, does not hold back the first charts.
        """
        every_solid = set().union(*(b[2] for b in SOLID_BUNDLES)) - {"scatter"}
        three_d = trace_types & every_solid
        flat_types = trace_types - three_d
        flat = self._smallest(FLAT_BUNDLES, flat_types)
        solid = self._smallest(SOLID_BUNDLES, three_d)
        if flat is None or solid is None:
            return self.url(*FULL_BUNDLE), None
        if not three_d:
            return self.url(flat[0], flat[1]), None
        if flat_types <= solid[2]:  # 3-D charts, and 2-D ones the 3-D bundle draws as well
            return self.url(solid[0], solid[1]), None
        return self.url(flat[0], flat[1]), self.url(solid[0], solid[1])

    def _smallest(self, bundles: tuple, trace_types: set[str]) -> tuple | None:
        """The first of ``bundles`` that draws ``trace_types`` and is published here."""
        return next(
            (b for b in bundles if trace_types <= b[2] and f"{b[0]}/{b[1]}" in self.urls), None
        )


def publish_vendor(node_modules: Path, tree: SiteTree, assets_url: str, cdn: bool) -> Vendor:
    """Copy the pinned runtimes into ``assets/vendor`` (or point at the CDN) and map URLs."""
    urls: dict[str, str] = {}
    integrity: dict[str, str] = {}
    for item in VENDOR_FILES:
        if (cdn and not item.on_cdn and not item.everywhere) or (not cdn and not item.self_hosted):
            continue
        on_cdn = cdn and item.on_cdn
        version = package_version(node_modules, item.package)
        source = node_modules / item.package / item.source
        folder = vendor_folder(item.package, version)
        if on_cdn:
            url = f"{CDN}/{item.package}@{version}/{item.source}"
            if source.is_file() and source.suffix == ".js":
                digest = hashlib.sha384(source.read_bytes()).digest()
                integrity[url] = "sha384-" + base64.b64encode(digest).decode()
        else:
            url = f"{assets_url}vendor/{folder}/{item.target}"
            target = f"assets/vendor/{folder}/{item.target}"
            if source.is_dir():
                tree.link_folder(source, target)
            else:
                tree.link(source, target)
        urls[f"{item.package}/{item.source}"] = url
    return Vendor(urls, integrity, cdn, {} if cdn else packed_runtime(node_modules, urls))


def packed_runtime(node_modules: Path, urls: dict[str, str]) -> dict[str, str]:
    """The worker's parameters for the runtime scripts/pack-runtime.py packed."""
    manifest = node_modules / "pyodide-downhill" / "packed.json"
    if not manifest.exists():
        raise MissingAssets(f"{manifest} is missing: run scripts/setup")
    sizes = {name: entry["size"] for name, entry in json.loads(manifest.read_text()).items()}
    packed = {}
    for key, name in (
        ("wasm", "pyodide.asm.wasm.xz"),
        ("stdlib", "python_stdlib.zip.xz"),
        ("stdlibFull", "python_stdlib_full.zip.xz"),
    ):
        packed[key] = f"{urls['pyodide-downhill/' + name]}#{sizes[name]}"
    packed["xz"] = urls["pyodide-downhill/xz-decompress.wasm"]
    return packed


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


PYODIDE_RELEASE = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"


def package_index(node_modules: Path, index: str = "") -> str:
    """Where cells' packages that the runtime lacks come from: ``index``, or else the
    pinned Pyodide release's own files."""
    return index or PYODIDE_RELEASE.format(version=package_version(node_modules, "pyodide"))


def write_engine(
    engine_dir: Path,
    node_modules: Path,
    tree: SiteTree,
    index: str = "",
    lock_file: Path | None = None,
    cells: bool = True,
) -> str:
    """Write the engine wheel and the Pyodide lock files naming it; return its sha256.

    ``pyodide-lock.json`` names the engine only (the demos' worker). ``cells-lock.json``
    (written when ``cells``: a page has Python cells) adds every package of Pyodide's lock
    (``lock_file``, the pinned one by default) at ``index``, each with its sha256, so that
    a cell importing numpy in the reader's browser fetches exactly the pinned, hash-checked
    wheel, and only then.
    """
    name, data = engine_wheel(engine_dir)
    sha256 = hashlib.sha256(data).hexdigest()
    tree.write(f"assets/engine/{name}", data)
    pyodide_lock = json.loads((node_modules / "pyodide" / "pyodide-lock.json").read_text())
    engine = {
        "name": ENGINE_PACKAGE,
        "version": ENGINE_VERSION,
        "file_name": name,
        "install_dir": "site",
        "sha256": sha256,
        "package_type": "package",
        "imports": ["engine"],
        "depends": [],
    }
    lock = {"info": pyodide_lock["info"], "packages": {ENGINE_PACKAGE: engine}}
    tree.write("assets/engine/pyodide-lock.json", json.dumps(lock, indent=1))
    if not cells:  # no page of the site has Python cells
        return sha256
    packages = json.loads((lock_file or node_modules / "pyodide" / "pyodide-lock.json").read_text())
    base = package_index(node_modules, index)
    cells = {
        key: {**entry, "file_name": base + entry["file_name"]}
        for key, entry in packages["packages"].items()
        if not entry.get("file_name", "").startswith(("http:", "https:"))
    }
    cells[ENGINE_PACKAGE] = engine
    tree.write(
        "assets/engine/cells-lock.json",
        json.dumps({"info": pyodide_lock["info"], "packages": cells}, separators=(",", ":")),
    )
    return sha256


def publish_static(static_dir: Path, tree: SiteTree, assets_url: str) -> dict[str, str]:
    """Copy the site's own CSS, JS and icons under content-hashed names; map name → URL.

    A changed file gets a new name, so browsers and GitHub Pages' caches never serve a
    stale one. The page's JavaScript is ES modules that import each other by name: they
    go together into a folder named by the hash of them all.
    """
    urls = {}
    scripts = sorted(p for p in static_dir.iterdir() if p.is_file() and p.suffix == ".js")
    digest = hashlib.sha256()
    for path in scripts:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    folder = f"js.{digest.hexdigest()[:10]}"
    for path in scripts:
        tree.write(f"assets/{folder}/{path.name}", path.read_bytes())
        urls[path.name] = f"{assets_url}{folder}/{path.name}"
    for path in sorted(static_dir.iterdir()):
        if path.is_file() and path.suffix != ".js":
            data = path.read_bytes()
            name = f"{path.stem}.{hashlib.sha256(data).hexdigest()[:10]}{path.suffix}"
            tree.write(f"assets/{name}", data)
            urls[path.name] = f"{assets_url}{name}"
    return urls
