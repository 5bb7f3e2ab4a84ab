"""Stage 4, render: Jinja2 templates into HTML pages."""

from __future__ import annotations

from pathlib import Path

import jinja2

from .assets import CDN


def csp_for(cdn: bool, packages: str = "") -> str:
    """The Content-Security-Policy: no inline script, no eval beyond what WebAssembly needs.

    'wasm-unsafe-eval' lets Pyodide compile its WebAssembly; inline styles are what Plotly
    and MathJax set on the elements they draw. With ``--assets cdn`` the pinned CDN is
    allowed as a source of scripts, fonts and fetches (Pyodide's files). A page with cells
    may fetch from ``packages`` (the origin of the packages a reader's cell imports).
    """
    fetches = f" {packages}" if packages and not (cdn and CDN.startswith(packages)) else ""
    extra = f" {CDN.rsplit('/', 1)[0]}" if cdn else ""
    return (
        f"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{extra}; "
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
