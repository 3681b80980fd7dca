"""Progress: bars on a terminal, plain lines elsewhere, nothing when no command asked."""

from __future__ import annotations

import io

from flows import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_bars_with_done_of_total() -> None:
    screen = Terminal()
    shown = progress.for_stream(screen)
    assert isinstance(shown, progress.Bars)
    with progress.reporting(shown):
        progress.current().begin("files judged", 4)
        progress.current().advance("files judged", 4)
    assert "files judged" in screen.getvalue()
    assert "4/4" in screen.getvalue()


def test_a_pipe_gets_plain_lines_and_no_command_gets_nothing() -> None:
    log = io.StringIO()
    with progress.reporting(progress.for_stream(log)):
        progress.current().begin("periods drafted", 1)
        progress.current().advance("periods drafted")
    assert log.getvalue().splitlines()[0] == "periods drafted: 0 of 1"
    assert log.getvalue().splitlines()[1].startswith("periods drafted: 1 of 1 (100 %) in ")
    assert isinstance(progress.current(), progress.Silent)  # the command's reporting ended with it
