"""Prefect Secret blocks: where members' source credentials are kept (the ledger holds only block names)."""

from __future__ import annotations

import json


def prefect_secret(name: str) -> str:
    """The value of a Prefect Secret block (read verbatim: `Secret.get()` would parse '123' as a number)."""
    from prefect.blocks.system import Secret

    block = Secret.load(name, _sync=True)  # type: ignore[call-arg]  # never a coroutine, even from async code
    assert isinstance(block, Secret)
    value = block.value.get_secret_value()
    return value if isinstance(value, str) else json.dumps(value)


def save_prefect_secret(name: str, value: str) -> None:
    """Store a value in a Prefect Secret block (replacing one of the same name)."""
    from prefect.blocks.system import Secret

    Secret(value=value).save(name, overwrite=True, _sync=True)  # type: ignore[call-arg]
