"""Tracing state is per thread: another thread never sees a thread's open
builders or batching contexts (tests/frontend/test_threads.py runs the
transforms from many threads)."""
import threading

import pytest

from numjac.compiler.builder import TRACING, Builder, current, innermost, is_active, is_tracing
from numjac.compiler.rules import BatchContext, batch_context, batching


def seen_from_another_thread(probe):
    """probe() run in a new thread: its result, or the exception it raised."""
    seen = []

    def run():
        try:
            seen.append(probe())
        except Exception as error:      # handed back to the test
            seen.append(error)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen[0]


def test_an_open_builder_is_only_active_in_its_thread():
    with Builder() as outer, Builder() as inner:
        assert is_tracing() and innermost() is inner and current() is inner
        assert is_active(outer) and is_active(inner)
        assert seen_from_another_thread(lambda: (is_tracing(), innermost(), is_active(outer),
                                                 is_active(inner))) == (False, None, False,
                                                                        False)
        assert isinstance(seen_from_another_thread(current), RuntimeError)
        assert seen_from_another_thread(_own_builder_is_innermost) is True
        assert innermost() is inner       # untouched by the other thread's builder
    assert not is_tracing()


def _own_builder_is_innermost():
    with Builder() as own:
        return innermost() is own and current() is own


def test_the_count_of_tracing_threads_follows_the_outermost_builders():
    before = TRACING.count
    with Builder():
        with Builder():
            assert TRACING.count == before + 1
        assert seen_from_another_thread(_count_inside_a_builder) == before + 2
        assert TRACING.count == before + 1
    assert TRACING.count == before


def _count_inside_a_builder():
    with Builder():
        return TRACING.count


def test_a_batching_context_is_only_seen_in_its_thread():
    context = BatchContext(randomness="same", size=3, total=3)
    with batching(context):
        assert batch_context() is context
        assert isinstance(seen_from_another_thread(batch_context), RuntimeError)
        other = BatchContext(randomness="different", size=2, total=4)
        assert seen_from_another_thread(lambda: _inside(other)) is other
        assert batch_context() is context
    with pytest.raises(RuntimeError, match="only set while a batching pass runs"):
        batch_context()


def _inside(context):
    with batching(context):
        return batch_context()

