"""Pack the Python runtime a reader downloads with xz, and publish the decoder beside it.

GitHub Pages compresses with gzip only: Pyodide's WebAssembly is 3.56 MB that way and
2.64 MB as xz, and the standard library (a zip of bytecode, stored uncompressed for this)
0.61 MB as xz against 0.90 MB as a deflated zip. The worker fetches the ``.xz`` files and
decodes them as they arrive with xz-embedded compiled to WebAssembly (the pinned ``xzwasm``
package, 12 KB), feeding the decoded bytes straight into WebAssembly's streaming compiler.

Writes, into node_modules/pyodide-downhill (beside the standard library that
scripts/pyodide-stdlib.mjs builds, which runs this script):

- ``pyodide.asm.wasm.xz`` and ``python_stdlib.zip.xz``: one xz stream each, CRC32 checks
  (all xz-embedded verifies), a dictionary as large as the file (the decoder allocates it);
- ``xz-decompress.wasm``: the decoder, taken out of the package's JavaScript bundle;
- ``packed.json``: each packed file's source digest and unpacked size (the page passes the
  size to the worker, which refuses a stream that decodes to anything else).

Packing the WebAssembly takes about 10 s, so a file whose source is unchanged is kept.
Every file is written to a temporary name and renamed, never rewritten in place: built
sites hard-link these files. Standard library only; the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import lzma
import os
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
OUT = MODULES / "pyodide-downhill"
SOURCES = {
    "pyodide.asm.wasm.xz": MODULES / "pyodide" / "pyodide.asm.wasm",
    "python_stdlib.zip.xz": OUT / "python_stdlib.zip",
    # The whole standard library, as source, for the cells' worker only (a reader's cell may
    # import any module): Pyodide's own zip, its entries stored so that xz packs them.
    "python_stdlib_full.zip.xz": MODULES / "pyodide" / "python_stdlib.zip",
}
STORED = {"python_stdlib_full.zip.xz"}  # packed from a stored (uncompressed) copy


def dictionary_size(length: int) -> int:
    """The smallest size xz can declare (2^n or 2^n + 2^(n-1)) that holds ``length`` bytes."""
    size = 1 << 12
    while size < length:
        size = size * 3 // 2 if size & (size - 1) == 0 else size // 3 * 4
    return size


def xz(data: bytes) -> bytes:
    lzma2 = {
        "id": lzma.FILTER_LZMA2,
        "preset": 9 | lzma.PRESET_EXTREME,
        "dict_size": dictionary_size(len(data)),
    }
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, filters=[lzma2])


def decoder_wasm() -> bytes:
    """xzwasm ships its WebAssembly as a base64 data URL inside its UMD bundle."""
    bundle = (MODULES / "xzwasm" / "dist" / "package" / "xzwasm.js").read_text()
    found = re.search(r"data:application/wasm;base64,([A-Za-z0-9+/=]+)", bundle)
    if not found:
        sys.exit("pack-runtime: no WebAssembly found in node_modules/xzwasm's bundle")
    return base64.b64decode(found.group(1))


def stored(data: bytes) -> bytes:
    """The zip ``data`` with every entry stored uncompressed, dated 1980 (reproducible)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as rewritten:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_STORED
            entry.external_attr = info.external_attr
            rewritten.writestr(entry, source.read(info))
    return out.getvalue()


def write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(data)
    temporary.replace(path)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    manifest_path = OUT / "packed.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest = {}
    for name, source in SOURCES.items():
        data = source.read_bytes()
        if name in STORED:
            data = stored(data)
        entry = {"source": hashlib.sha256(data).hexdigest(), "size": len(data)}
        if old.get(name) != entry or not (OUT / name).exists():
            packed = xz(data)
            if lzma.decompress(packed) != data:
                sys.exit(f"pack-runtime: {name} does not decode to its source")
            write(OUT / name, packed)
            print(f"pack-runtime: {name}: {len(data) / 1e6:.2f} MB → {len(packed) / 1e6:.2f} MB")
        manifest[name] = entry
    write(OUT / "xz-decompress.wasm", decoder_wasm())
    write(manifest_path, (json.dumps(manifest, indent=1) + "\n").encode())


if __name__ == "__main__":
    main()
