"""The demo's files, generated once for the demo generator's tests."""

from __future__ import annotations

import pytest

from flows.demo.data.generate import DemoManifest, generate_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """The demo (seed 2024) that test_demo_data and test_demo_kinds read: generated once, never written to."""
    return generate_demo(tmp_path_factory.mktemp("demo"), seed=2024)
