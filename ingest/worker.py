"""The parse worker: a child process that reads raw mail and writes it back parsed.

Run as ``python -m ingest.worker PARENT_PID`` by :mod:`ingest.parsing`. It is a
plain child speaking length-prefixed pickles over its stdin and stdout rather
than a ``multiprocessing`` pool, for three reasons found the hard way:

* after ``kill -9`` of ``serve``, a spawned pool worker (~100 MB) and
  multiprocessing's resource tracker lived on with PPID 1, at every crash.
  This process dies with its parent: on Linux the kernel kills it
  (``PR_SET_PDEATHSIG``); elsewhere a thread watches the parent's pid; and
  either way the end of its stdin (the parent's pipe) ends it. No resource
  tracker is ever started;
* a message that takes longer than the deadline must be stopped: the parent
  kills this process by its pid and starts another;
* it imports the parser alone, not the service: it starts in a tenth of the
  time and memory.

Protocol: once ready, this process writes an empty frame (the parent's deadline
counts parsing, not start-up). Then the parent writes one frame holding a
pickled list of raw messages; this process answers one frame per message, in
order, holding a pickled :class:`ingest.parser.ParsedMail` or the text of an
error. A frame is an 8-byte big-endian length followed by that many bytes.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import struct
import sys
import threading
import time
from typing import BinaryIO

from ingest.parser import parse_one

FRAME = struct.Struct(">Q")
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_SECONDS = 1.0
SMALL = 1 << 16


def main(argv: list[str]) -> int:
    """Serve parse requests on stdin until the parent closes it or dies."""
    die_with_parent(int(argv[1]) if len(argv) > 1 else os.getppid())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the group: the parent decides
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, never into the results
    write_frame(results, b"")  # ready
    serve(sys.stdin.buffer, results)
    return 0


def serve(requests: BinaryIO, results: BinaryIO) -> None:
    """Answer each request frame with one result frame per message, until the end of input."""
    while (frame := read_frame(requests)) is not None:
        for raw in pickle.loads(frame):
            write_frame(results, pickle.dumps(parse_one(raw), pickle.HIGHEST_PROTOCOL))


def read_frame(source: BinaryIO) -> bytes | None:
    """One frame's bytes; ``None`` at the end of the stream."""
    head = source.read(FRAME.size)
    if len(head) < FRAME.size:
        return None
    (size,) = FRAME.unpack(head)
    body = source.read(size)
    return body if len(body) == size else None


def write_frame(sink: BinaryIO, data: bytes) -> None:
    """One frame, flushed: the parent counts the deadline from the frame before."""
    head = FRAME.pack(len(data))
    if len(data) < SMALL:
        sink.write(head + data)  # one write: most results are a few kilobytes
    else:
        sink.write(head)
        sink.write(data)
    sink.flush()


def die_with_parent(parent: int) -> None:
    """Make sure this process does not outlive ``parent`` (which started it)."""
    if not _kernel_kills_orphan():
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def _kernel_kills_orphan() -> bool:
    """Linux: ask for SIGKILL when the parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
