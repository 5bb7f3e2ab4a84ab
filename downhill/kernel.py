"""The child process an article's Python cells run in at build time: one per article, so a
cell sees the names the cells before it defined, as in a notebook; a child, so a runaway
cell is ended by a time limit and a memory limit and never hangs the build or the dev server.

It leads a process group of its own, and whatever its cells start stays in it: the builder
ends the whole group (downhill/cells.py's Kernel.close), and a guard forked first ends it
too the moment the builder is gone (killed by ``serve`` or a signal), so a forked child or
a ``subprocess`` never outlives the build. Its working folder is a scratch copy of the
content's data files: what a cell writes never lands in content/ (which ``serve`` watches).

Run as ``python -m downhill.kernel MEMORY_BYTES``. Requests come as JSON lines on stdin,
replies go as JSON lines to what was stdout; the cells' own printing is captured (file
descriptors 1 and 2 are pointed at /dev/null, so not even C code can garble the replies).

- ``{"op": "run", "source", "filename", "interact": null | {...}}`` runs a cell; with
  ``interact`` (controls and their built values) it also computes the cell's keyframes, in a
  forked copy of the process so that no position can change the article's namespace.
  Reply: ``{"output": {...}, "keyframes": null | {...}, "seconds": float}``.
- ``{"op": "grade", "exercise", "answer"}`` grades an exercise's answer
  (engine.exercises.grade) in a namespace of its own. Reply: ``{"verdict": {...}}``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from functools import partial
from typing import Any

FRAMES_SECONDS = 30  # a cell's keyframes at most; past it the controls wait for the runtime


def _keyframes(source: str, filename: str, namespace: dict, interact: dict, output: dict) -> Any:
    from engine.cells import figures_of, run_cell

    from .controls import Control
    from .keyframes import keyframes

    controls = [Control(**c) for c in interact["controls"]]
    choices = interact.get("choices", {})  # a select's option text → the value it binds

    built = {"figures": figures_of(output), "summary": skeleton(output)}

    def render(values: dict[str, Any]) -> dict[str, Any]:
        bound = {
            k: choices[k][v] if k in choices and isinstance(v, str) else v
            for k, v in values.items()
        }
        result = run_cell(source, dict(namespace), filename, bound)
        figures = figures_of(result)
        if len(figures) != len(built["figures"]):  # other charts: the whole output
            return {"figures": built["figures"], "summary": {**result, "whole": True}}
        return {"figures": figures, "summary": skeleton(result)}

    # A position's cost in the compute budget's units (about 1 µs each): the CPU time of a
    # run of the built values (the cell's own first run also paid for its imports). CPU
    # time, not the clock's: a busy machine must not change which positions a page keeps.
    started = time.process_time()
    render(interact["values"])
    work = min(interact["cpu"], time.process_time() - started) * 1_000_000
    found = keyframes(interact["values"], built, controls, render, work=work)
    return None if found is None else found.__dict__


def skeleton(output: dict[str, Any]) -> dict[str, Any]:
    """A cell's output less its figures, which keyframes carry as differences."""
    displays = []
    for shown in output["displays"]:
        if "figure" in shown:
            displays.append({"figure": None})
        elif "demo" in shown:
            displays.append(
                {
                    "demo": {
                        "figures": len(shown["demo"]["figures"]),
                        "summary": shown["demo"]["summary"],
                    }
                }
            )
        else:
            displays.append(shown)
    return {**output, "displays": displays}


def _forked(compute: Any, seconds: float) -> Any:
    """``compute()`` in a forked child, its JSON result, or None past ``seconds`` or on failure."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, write, and leave without running any cleanup
        os.close(read)
        try:
            data = json.dumps(compute(), allow_nan=False).encode()
        except BaseException:
            data = b"null"
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    import select

    with os.fdopen(read, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks) or b"null")


def guard_group() -> None:
    """Fork a guard that ends this process group once the builder is gone: it waits for the
    requests pipe (stdin) to lose its writer, which happens however the builder ends."""
    if os.fork() != 0:
        return
    os.closerange(1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    import select

    watcher = select.poll()
    watcher.register(0, select.POLLHUP)  # (POLLHUP is reported whatever the mask)
    while True:
        if any(event & (select.POLLHUP | select.POLLERR) for _, event in watcher.poll()):
            os.killpg(0, signal.SIGKILL)


def main() -> None:
    guard_group()
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    os.dup2(null, 2)
    requests = sys.stdin
    sys.stdin = open(os.devnull)  # noqa: SIM115 - a cell's input() reads nothing
    from engine.cells import run_cell

    namespace: dict[str, Any] = {"__name__": "__main__"}
    for line in requests:
        request = json.loads(line)
        if request.get("op") == "grade":  # an exercise's solution, in a namespace of its own
            from engine.exercises import grade

            verdict = grade(request["exercise"], request["answer"])
            replies.write(json.dumps({"verdict": {**verdict, "output": None}}) + "\n")
            replies.flush()
            continue
        started, cpu = time.perf_counter(), time.process_time()
        before = dict(namespace)
        output = run_cell(request["source"], namespace, request["filename"])
        seconds = time.perf_counter() - started
        frames = None
        interact = request.get("interact")
        if interact:  # the cell's own run is over: its time limit stops here
            replies.write(json.dumps({"ran": seconds}) + "\n")
            replies.flush()
        if interact and not output["error"]:
            interact = {**interact, "cpu": time.process_time() - cpu}
            frames = _forked(
                partial(
                    _keyframes, request["source"], request["filename"], before, interact, output
                ),
                FRAMES_SECONDS,
            )
        try:
            reply = json.dumps(
                {"output": output, "keyframes": frames, "seconds": seconds}, allow_nan=False
            )
        except (TypeError, ValueError) as exc:
            output = {
                **output,
                "displays": [],
                "error": {
                    "type": type(exc).__name__,
                    "message": f"its output cannot be shown: {exc}",
                    "line": None,
                    "frames": [],
                },
            }
            reply = json.dumps({"output": output, "keyframes": None, "seconds": seconds})
        replies.write(reply + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
