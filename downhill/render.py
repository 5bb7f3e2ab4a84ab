"""Stage 4, render: Jinja2 templates into HTML pages."""

from __future__ import annotations

from pathlib import Path

import jinja2

# No inline script anywhere; 'wasm-unsafe-eval' is what WebAssembly (Pyodide) needs;
# blob: workers and styles are what Plotly and MathJax create at run time.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'"
)


def make_environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
