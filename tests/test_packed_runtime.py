"""The Python runtime as readers download it: packed with xz (scripts/pack-runtime.py) and
unpacked in the worker by static/unxz.js, checked here under Node against Python's lzma."""

from __future__ import annotations

import importlib.util
import json
import lzma
import random
import subprocess

import pytest

from .conftest import ROOT

RUNTIME = ROOT / "node_modules" / "pyodide-downhill"
spec = importlib.util.spec_from_file_location("pack_runtime", ROOT / "scripts" / "pack-runtime.py")
pack_runtime = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pack_runtime)

DECODE = """
import { readFileSync } from "node:fs";
import { xzDecoder } from "%s";
const decoder = await xzDecoder(readFileSync(process.argv[1]));
const packed = readFileSync(process.argv[2]);
const expected = Number(process.argv[3]);
// Feed the stream in pieces of every size, as a network would.
let at = 0, size = 1;
const body = new ReadableStream({
  pull(controller) {
    if (at >= packed.length) return controller.close();
    controller.enqueue(new Uint8Array(packed.subarray(at, at + size)));
    at += size;
    size = size * 7 %% 70001 + 1;
  },
});
try {
  const out = await new Response(body.pipeThrough(decoder(expected))).arrayBuffer();
  process.stdout.write(Buffer.from(out));
} catch (err) {
  process.stderr.write(err.message);
  process.exit(3);
}
"""


def decode_in_node(tmp_path, packed: bytes, expected: int) -> subprocess.CompletedProcess:
    (tmp_path / "data.xz").write_bytes(packed)
    script = DECODE % (ROOT / "static" / "unxz.js").as_uri()
    return subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            script,
            "--",
            str(RUNTIME / "xz-decompress.wasm"),
            str(tmp_path / "data.xz"),
            str(expected),
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def payload() -> bytes:
    """Half a megabyte, part text, part noise: several of the decoder's buffers."""
    rng = random.Random(7)
    text = (ROOT / "engine" / "expr.py").read_bytes()
    noise = bytes(rng.getrandbits(8) for _ in range(100_000))
    return text * 4 + noise + text * 4


def test_the_shipped_files_unpack_to_pyodides_own():
    manifest = json.loads((RUNTIME / "packed.json").read_text())
    wasm = (ROOT / "node_modules" / "pyodide" / "pyodide.asm.wasm").read_bytes()
    assert lzma.decompress((RUNTIME / "pyodide.asm.wasm.xz").read_bytes()) == wasm
    assert manifest["pyodide.asm.wasm.xz"]["size"] == len(wasm)
    stdlib = (RUNTIME / "python_stdlib.zip").read_bytes()
    assert lzma.decompress((RUNTIME / "python_stdlib.zip.xz").read_bytes()) == stdlib
    assert manifest["python_stdlib.zip.xz"]["size"] == len(stdlib)


def test_the_worker_decoder_unpacks_a_stream_in_pieces(tmp_path, payload):
    result = decode_in_node(tmp_path, pack_runtime.xz(payload), len(payload))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == payload


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "xz data ends early"),
        ("garbled", "corrupt xz data"),
        ("longer than said", "xz data longer than expected"),
    ],
)
def test_the_worker_decoder_refuses_a_damaged_stream(tmp_path, payload, damage, message):
    packed = bytearray(pack_runtime.xz(payload))
    expected = len(payload)
    if damage == "truncated":
        del packed[len(packed) // 2 :]
    elif damage == "garbled":
        packed[len(packed) // 2 : len(packed) // 2 + 32] = bytes(32)
    else:
        expected -= 1
    result = decode_in_node(tmp_path, bytes(packed), expected)
    assert result.returncode == 3
    assert message in result.stderr.decode()


def test_a_dictionary_holds_the_whole_file():
    assert pack_runtime.dictionary_size(9_598_218) == 12 << 20  # 2^23 + 2^22
    assert pack_runtime.dictionary_size(2_656_930) == 3 << 20
    assert pack_runtime.dictionary_size(4096) == 4096
