"""The cyclic garbage collector around bulk work.

Python's collector runs after every 700 new container objects, and now and then walks every
object the process holds: the whole loaded application (Django, the models, the API's
schemas), hundreds of thousands of objects that never become garbage. A 1,000-row intake
batch makes tens of thousands of short-lived objects (decoded JSON, checked rows, model
instances), freed by reference counting as soon as the batch is done, and they set off those
walks: a fifth of the batch's CPU time was spent in the collector, finding nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """Run a bounded piece of work (one batch, one chunk) without cyclic collections.

    Its objects are freed by reference counting as usual; only cycles wait for the next
    collection, which runs as soon as the collector is back on. Nesting is harmless: only
    the outermost pause turns the collector back on (and never one that was off already).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def freeze_loaded() -> None:
    """Leave everything loaded so far (the application, once started) out of every later
    collection: collect what is garbage now, then freeze the rest. Frozen objects are still
    freed by reference counting; a long-running process (the web server's master before it
    forks its workers, a CSV import) calls this once, after loading."""
    gc.collect()
    gc.freeze()
