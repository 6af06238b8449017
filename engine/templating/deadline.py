"""A time limit that stops pure-Python loops on the rendering thread.

A template is compiled to Python, so a loop in a template (nested ``range``
loops, a recursive macro) runs as Python lines of the rendering thread. A
trace function on that thread (``sys.settrace``) sees each line and raises
once the deadline has passed; that is what stops a CPU bomb without a
second thread or process. C-level work that runs long in one step (a huge
``'x' * n``) never gets this far: the sandbox refuses it before computing
(``engine/templating/guards.py``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: Lines traced between two looks at the clock: the clock costs more than a line.
CHECK_EVERY = 64


class TimeUp(BaseException):
    """Raised inside the template's frames. A ``BaseException``, so that no
    ``except Exception`` of a filter or a test on the way swallows it."""


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.lines = 0

    def on_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.check()
        return self.on_line

    def on_line(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.lines += 1
        if self.lines % CHECK_EVERY == 0:
            self.check()
        return self.on_line

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise TimeUp


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``TimeUp`` in the code of this block once ``seconds`` have passed.

    The previous trace function (a debugger, coverage) is put back after.
    """
    previous = sys.gettrace()
    sys.settrace(_Deadline(seconds).on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


__all__ = ["TimeUp", "deadline"]
