"""Fresh processes for the command tests without paying the third-party import each time.

On the 2-core CI machine a fresh interpreter spends about 25 s importing torch, Lightning, torchvision and
torchmetrics before ``lightning-gans`` can print its ``--help``; thirty such processes were a third of the test
budget. The server below imports that third-party stack once and then **forks** a child per command: each child
is a process of its own (own pid, own output, own exit status, own ``os.environ`` and working folder) in which
**``lightning_gans`` has never been imported** (checked before every fork), so an import cycle or an
import-order bug in the package fails here exactly as in a user's fresh shell. What a child cannot catch is a
problem of importing the third-party stack itself; ``tests/cli/test_demo_output.py`` and the slow suite's
console-script test still start real interpreters for that.

``ranks=2`` forks two children with the environment of an external DDP launcher (``LOCAL_RANK``, ``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), as ``torchrun`` would: Lightning then joins them instead of
starting new interpreters for the other ranks.

Protocol: one JSON job per line on stdin, one JSON result per line on the server's original stdout.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRELOAD = (
    "numpy",
    "PIL.Image",
    "yaml",
    "torch",
    "torchvision",
    "torchmetrics",
    "lightning.pytorch",
    "jsonargparse",
)
"""Imported once by the server: the third-party stack only, never ``lightning_gans``."""
FAILED_RANK_GRACE = 20.0
"""Seconds the other ranks get to end after one rank failed, before they are killed."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child(job: dict, rank: int, world: int, port: int, out: str, err: str) -> None:
    """In the forked child: the job's environment, folder and output files, then ``python -m lightning_gans
    ARGV`` (or ``job["code"]``) as the interpreter would run it; never returns."""
    code = 1
    try:
        os.setsid()  # its own process group: the server can kill it and whatever it starts
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        if world > 1:
            os.environ.update(
                LOCAL_RANK=str(rank), RANK=str(rank), NODE_RANK="0", WORLD_SIZE=str(world),
                MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
            )  # fmt: skip
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.dup2(os.open(out, os.O_WRONLY | os.O_TRUNC), 1)
        os.dup2(os.open(err, os.O_WRONLY | os.O_TRUNC), 2)
        sys.path[:0] = job.get("pythonpath", [])
        import torch

        torch.set_num_threads(int(job["env"].get("OMP_NUM_THREADS", "1")))
        sys.argv = ["lightning-gans", *job.get("argv", [])]
        try:
            if job.get("code") is not None:
                exec(compile(job["code"], "<job>", "exec"), {"__name__": "__main__"})
            else:
                import runpy

                runpy.run_module("lightning_gans", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit_:
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:
                print(exit_.code, file=sys.stderr)
                code = 1
        except BaseException:  # noqa: BLE001 - what the interpreter does: the traceback, status 1
            traceback.print_exc()
            code = 1
        atexit._run_exitfuncs()  # e.g. the W&B client's end-of-run sync, as at a normal exit
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _run(job: dict) -> dict:
    leaked = sorted(m for m in sys.modules if m == "lightning_gans" or m.startswith("lightning_gans."))
    assert not leaked, f"the server imported {leaked[:3]}: children would not import the package fresh"
    world = int(job.get("ranks", 1))
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="forkserver-")
    children = []
    sys.stdout.flush()
    sys.stderr.flush()
    for rank in range(world):
        out, err = os.path.join(folder, f"out{rank}"), os.path.join(folder, f"err{rank}")
        Path(out).touch()
        Path(err).touch()
        pid = os.fork()
        if pid == 0:
            _child(job, rank, world, port, out, err)
        children.append((pid, out, err))
    deadline = time.monotonic() + float(job.get("timeout", 600))
    codes: dict[int, int] = {}
    timed_out = False
    while len(codes) < len(children):
        for pid, _, _ in children:
            if pid not in codes:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    codes[pid] = os.waitstatus_to_exitcode(status)
                    if (
                        codes[pid] != 0
                    ):  # a failed rank: the others would wait in a collective until the deadline
                        deadline = min(deadline, time.monotonic() + FAILED_RANK_GRACE)
        if len(codes) < len(children) and time.monotonic() > deadline:
            timed_out = not any(codes.values())
            for pid, _, _ in children:
                if pid not in codes:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGKILL)
                    codes[pid] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        time.sleep(0.05)
    results = [
        {"returncode": codes[pid], "stdout": Path(out).read_text(errors="replace"),
         "stderr": Path(err).read_text(errors="replace")}
        for pid, out, err in children
    ]  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    return {"ranks": results, "timed_out": timed_out}


def serve() -> None:
    """Reads jobs from stdin until it closes; answers on the original stdout (the server's own prints go to
    stderr, so a stray print cannot break the protocol)."""
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    for name in PRELOAD:
        __import__(name)
    print(json.dumps({"ready": True, "threads": threading.active_count()}), file=answers, flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(_run(json.loads(line))), file=answers, flush=True)


class ForkServer:
    """A running server (see the module docstring); ``run`` is ``subprocess.run`` for ``lightning-gans``."""

    def __init__(self) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))
        self.process = subprocess.Popen(
            [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        ready = json.loads(self.process.stdout.readline())
        assert ready.get("ready"), ready
        assert ready["threads"] == 1, f"the server runs {ready['threads']} threads: forking it is not safe"
        self.lock = threading.Lock()

    def run_ranks(
        self,
        args: list[str] | None = None,
        cwd: str | os.PathLike = ".",
        env: dict | None = None,
        timeout: float = 300,
        ranks: int = 1,
        code: str | None = None,
        pythonpath: list[str] | None = None,
    ) -> tuple[list[subprocess.CompletedProcess], bool]:
        """Every rank's ``CompletedProcess`` and whether the job was killed after ``timeout`` seconds."""
        job = {
            "argv": list(args or []), "cwd": str(cwd), "env": dict(env if env is not None else os.environ),
            "timeout": timeout, "ranks": ranks, "code": code, "pythonpath": list(pythonpath or []),
        }  # fmt: skip
        with self.lock:
            self.process.stdin.write(json.dumps(job) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        assert line, "the fork server died"
        answer = json.loads(line)
        command = ["lightning-gans", *job["argv"]]
        done = [
            subprocess.CompletedProcess(command, r["returncode"], r["stdout"], r["stderr"])
            for r in answer["ranks"]
        ]
        return done, answer["timed_out"]

    def run(self, args: list[str] | None = None, **kwargs) -> subprocess.CompletedProcess:
        """One fresh ``lightning-gans ARGS`` process (rank 0's result when ``ranks`` > 1, with every rank's
        stderr); fails the test after ``timeout`` seconds."""
        done, timed_out = self.run_ranks(args, **kwargs)
        if timed_out:
            raise AssertionError(
                f"lightning-gans {' '.join((args or [])[:6])} ... did not end within {kwargs.get('timeout', 300)} s "
                f"(hung; killed). stderr tail:\n{done[0].stderr[-3000:]}"
            )
        first = done[0]
        stderr = (
            "".join(f"[rank{i}] {d.stderr}" for i, d in enumerate(done)) if len(done) > 1 else first.stderr
        )
        codes = {d.returncode for d in done}
        returncode = first.returncode if codes == {first.returncode} else max(codes, key=abs)
        return subprocess.CompletedProcess(first.args, returncode, first.stdout, stderr)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


_SERVER: ForkServer | None = None


def server() -> ForkServer:
    """The session's server, started on first use (about 25 s on 2 cores), stopped when the tests end."""
    global _SERVER
    if _SERVER is None or _SERVER.process.poll() is not None:
        _SERVER = ForkServer()
        atexit.register(_SERVER.close)
    return _SERVER


if __name__ == "__main__":
    serve()


def lightning_gans(
    args: list[str], cwd: str | os.PathLike = ".", timeout: float = 300, **kwargs
) -> subprocess.CompletedProcess:
    """``lightning-gans ARGS`` as a fresh process (a fork server child), one torch thread, W&B offline."""
    env = dict(os.environ, OMP_NUM_THREADS="1", WANDB_MODE="offline") | kwargs.pop("env", {})
    return server().run(args, cwd=cwd, env=env, timeout=timeout, **kwargs)
