"""What a command's process sets up before it runs a flow in the foreground."""

from __future__ import annotations

from prefect.settings import get_current_settings, temporary_settings

from flows.runtime import foreground_flow_settings


def test_a_foreground_flow_sends_no_heartbeats_by_default() -> None:
    # The engine reads this setting when a flow run starts: None starts no heartbeat thread, so none is joined.
    assert get_current_settings().flows.heartbeat_frequency == 180  # Prefect's own default, outside
    with foreground_flow_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == 180


def test_a_heartbeat_frequency_the_operator_set_is_kept() -> None:
    # As PREFECT_FLOWS_HEARTBEAT_FREQUENCY=60 in the command's environment sets it.
    with temporary_settings(updates={"flows.heartbeat_frequency": 60}), foreground_flow_settings():
        assert get_current_settings().flows.heartbeat_frequency == 60
