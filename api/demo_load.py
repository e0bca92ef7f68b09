"""The demo county's background load as ``serve`` runs it: the loader process, what ``/readyz``
says of it, and its end told in the serve log.

A year of cases and three years of subsidies take about a minute to generate, so ``serve``
answers already while a process of its own loads them (``sunshine seed``, which reports its
progress on the same log). Only the parts the database lacks are loaded; with none missing
nothing starts and the demo reads as complete.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

log = logging.getLogger("sunshine.demo")


class DemoState(StrEnum):
    NONE = "none"  # this server loads no demo county
    LOADING = "loading"
    COMPLETE = "complete"
    FAILED = "failed"  # the loader ended with an error (its log says which)


class DemoLoad:
    """The state of the demo county's load, for ``/readyz``."""

    def __init__(self, process: subprocess.Popen[bytes] | None, *, wanted: bool) -> None:
        self._process = process
        self._wanted = wanted
        self._stopped = False
        self._record: Path | None = None  # where the serving process writes the state for workers
        self._recorded: Path | None = None  # where a worker reads it

    @classmethod
    def recorded(cls, path: Path) -> DemoLoad:
        """The state as the serving process records it in ``path``: what each of several worker
        processes reports (the loader is the serving process's child, not theirs)."""
        load = cls(None, wanted=True)
        load._recorded = path
        return load

    def record_to(self, path: Path) -> None:
        """Write the state to ``path`` now and again when the load ends."""
        self._record = path
        self._write()

    def _write(self) -> None:
        if self._record is not None:
            self._record.write_text(self.state().value, encoding="utf-8")

    @classmethod
    def none(cls) -> DemoLoad:
        return cls(None, wanted=False)

    @classmethod
    def complete(cls) -> DemoLoad:
        return cls(None, wanted=True)

    @classmethod
    def start(cls, *, parts: Sequence[str], seed: int, scale: float, parent: int) -> DemoLoad:
        """Load ``parts`` in a process of its own, which ends with ``parent`` however that ends;
        its end is logged."""
        # Same environment: with the embedded server the loader attaches to it itself, which keeps
        # it running until both processes are done.
        process = subprocess.Popen(  # noqa: S603  # our own CLI with fixed arguments
            [
                *(sys.executable, "-m", "api.cli", "seed", "--seed", str(seed), "--scale", str(scale)),
                *("--only", ",".join(parts), "--exit-with", str(parent)),
            ]
        )
        load = cls(process, wanted=True)
        threading.Thread(target=load._announce_end, args=(process,), name="demo-load", daemon=True).start()
        return load

    def state(self) -> DemoState:
        if self._recorded is not None:
            try:
                return DemoState(self._recorded.read_text(encoding="utf-8").strip())
            except (OSError, ValueError):
                return DemoState.NONE
        if not self._wanted:
            return DemoState.NONE
        if self._process is None:
            return DemoState.COMPLETE
        code = self._process.poll()
        if code is None:
            return DemoState.LOADING
        return DemoState.COMPLETE if code == 0 else DemoState.FAILED

    def stop(self) -> None:
        """End a load still running (one transaction a part: nothing is left half done)."""
        if self._process is not None and self._process.poll() is None:
            self._stopped = True
            self._process.terminate()

    def _announce_end(self, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        self._write()
        if self._stopped:
            return
        if code == 0:
            log.info("demo load complete", extra={"demo": DemoState.COMPLETE.value})
            print("示范数据已全部载入（/readyz 显示 demo: complete）", flush=True)
        else:
            log.warning("demo load failed", extra={"demo": DemoState.FAILED.value, "exit_code": code})
            print(f"示范数据载入失败（退出码 {code}），原因见上方日志", file=sys.stderr, flush=True)
