"""Fixtures shared by the test modules."""

import pytest


@pytest.fixture(scope="module")
def one_thread():
    """Run a module's torch work on one thread, then restore the count.

    The networks under test are far too small to split an operation across threads; on a
    busy machine the intra-op threads only wait for each other (a Jacobian of an 8-unit
    GRU took 30 times longer with 2 threads than with 1). train() also sets the count.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
