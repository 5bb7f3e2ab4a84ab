"""Stage 4, render: Jinja2 templates into HTML pages."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .assets import CDN


@dataclass(frozen=True)
class Sandbox:
    """The cells' sandbox document (an iframe's ``srcdoc``: static/sandbox-frame.js inline,
    under a CSP that allows no connection) and its script's hash for the page's CSP."""

    document: str
    script_hash: str  # 'sha256-…', as a CSP source


def sandbox_for(static: Path) -> Sandbox:
    """The sandbox of ``static``'s frame script. A srcdoc needs no request, so it works
    offline (a service worker never controls a sandboxed frame); it inherits the page's CSP,
    which allows its one inline script by hash, and adds its own."""
    script = (static / "sandbox-frame.js").read_text("utf-8")
    if "</" in script:
        raise ValueError("static/sandbox-frame.js must not contain '</' (it is inlined)")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    source = f"'sha256-{digest}'"
    policy = (
        f"default-src 'none'; script-src {source} blob: 'wasm-unsafe-eval'; "
        "worker-src blob:; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    document = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f"<title>Python cells' sandbox</title><script>{script}</script></html>"
    )
    return Sandbox(document, source)


def csp_for(cdn: bool, packages: str = "", sandbox: str = "") -> str:
    """The Content-Security-Policy: no inline script, no eval beyond what WebAssembly needs.

    'wasm-unsafe-eval' lets Pyodide compile its WebAssembly; inline styles are what Plotly
    and MathJax set on the elements they draw. With ``--assets cdn`` the pinned CDN is
    allowed as a source of scripts, fonts and fetches (Pyodide's files). A page with cells
    may fetch from ``packages`` (the origin of the packages a reader's cell imports), and
    runs its cells' sandbox: the frame's inline script by its hash (``sandbox``) and the
    modules its worker imports from blobs (the frame inherits this policy).
    """
    fetches = f" {packages}" if packages and not (cdn and CDN.startswith(packages)) else ""
    extra = f" {CDN.rsplit('/', 1)[0]}" if cdn else ""
    cells = f" {sandbox} blob:" if sandbox else ""
    return (
        f"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{cells}{extra}; "
        f"worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; font-src 'self' data:{extra}; "
        f"connect-src 'self'{extra}{fetches}; "
        "object-src 'none'; base-uri 'self'; form-action 'none'"
    )


def make_environment(templates: Path, cache: Path | None = None) -> jinja2.Environment:
    """Templates from ``templates``; compiled templates are kept in ``cache`` if given."""
    bytecode = None
    if cache is not None:
        (cache / "templates").mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(cache / "templates"))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=bytecode,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        auto_reload=False,
        keep_trailing_newline=True,
    )
