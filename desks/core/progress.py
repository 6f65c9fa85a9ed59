"""Progress of a long command: a bar on a terminal, plain lines anywhere else.

Every long command (build_dataset.py, seed_demo, generate_rota, anonymise_residents)
reports through `progress`, so they all look and behave alike:

- on a terminal, a rich progress bar that redraws in place;
- when the stream is not a terminal (CI logs, a pipe, a cron mail), a plain line at
  each tenth of the way (or every `PLAIN_EVERY_SECONDS` when the total is unknown)
  and one when done, so a log stays short and readable;
- nothing at all with `--no-progress` or `--verbosity 0`.

Progress goes to the command's stderr: its stdout stays what the command reports.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

# A plain line at each tenth of the way: ten lines however long the run.
PLAIN_STEPS = 10
# With no total known, a plain line this often.
PLAIN_EVERY_SECONDS = 10

Advance = Callable[..., None]


def add_progress_argument(parser) -> None:
    """The `--no-progress` switch every long command takes."""
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="Show no progress (a bar on a terminal, plain lines otherwise).",
    )


def wanted(options: dict) -> bool:
    """Whether a command's options ask for progress: not with --no-progress or verbosity 0."""
    return options.get("verbosity", 1) > 0 and not options.get("no_progress", False)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress(
    label: str, total: int | None, stream: TextIO, enabled: bool = True
) -> Iterator[Advance]:
    """Yield `advance(n=1)`, to call as work gets done; report it on `stream`."""
    if not enabled:
        yield lambda n=1: None
    elif _is_terminal(stream):
        with _bar(label, total, stream) as advance:
            yield advance
    else:
        with _plain_lines(label, total, stream) as advance:
            yield advance


def track(
    items: Iterable, label: str, stream: TextIO, total: int | None = None, enabled: bool = True
) -> Iterator:
    """Each of `items`, reporting progress as they are consumed."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)
    with progress(label, total, stream, enabled) as advance:
        for item in items:
            yield item
            advance()


@contextmanager
def _bar(label: str, total: int | None, stream: TextIO) -> Iterator[Advance]:
    # Django's OutputWrapper ends every write with a newline, which would break the
    # bar's redrawing in place: rich writes to the stream underneath.
    console = Console(file=getattr(stream, "_out", stream), force_terminal=True)
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(elapsed_when_finished=True),
    ]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


@contextmanager
def _plain_lines(label: str, total: int | None, stream: TextIO) -> Iterator[Advance]:
    started = last_line = time.monotonic()
    done = 0
    step = 0  # the last tenth reported

    def write(text: str) -> None:
        stream.write(f"{label}: {text}\n")
        stream.flush()

    def advance(n: int = 1) -> None:
        nonlocal done, step, last_line
        done += n
        now = time.monotonic()
        if total:
            reached = min(PLAIN_STEPS, done * PLAIN_STEPS // total)
            if reached > step and done < total:
                step = reached
                elapsed = now - started
                left = elapsed / done * (total - done)
                write(
                    f"{done:,}/{total:,} ({done * 100 // total}%), {elapsed:.0f} s so far, "
                    f"about {left:.0f} s left"
                )
        elif now - last_line >= PLAIN_EVERY_SECONDS:
            last_line = now
            write(f"{done:,} so far, {now - started:.0f} s")

    yield advance
    of_total = f"/{total:,}" if total else ""
    write(f"done, {done:,}{of_total} in {time.monotonic() - started:.0f} s")
