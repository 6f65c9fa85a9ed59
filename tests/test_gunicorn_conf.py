"""gunicorn.conf.py's hooks, run as gunicorn runs them (in the master, before a fork)."""

import gc
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


@pytest.fixture
def collector():
    """The garbage collector as it was, after the test."""
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


def test_a_worker_is_forked_with_the_app_frozen_and_young_objects_collected_less_often(
    collector,
):
    conf = runpy.run_path(str(CONF))
    older = gc.get_threshold()[1:]
    assert gc.get_threshold()[0] < conf["GC_YOUNGEST_THRESHOLD"]
    conf["pre_fork"](server=None, worker=None)
    assert gc.get_threshold() == (conf["GC_YOUNGEST_THRESHOLD"], *older)
    assert gc.get_freeze_count() > 10_000
