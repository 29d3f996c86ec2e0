"""Run by tests/test_require_tools.py in a pytest process of its own; the suite never collects
it (the name does not start with test_). Two tests need something that is not here."""

from tests.conftest import require_or_skip, requires


@requires(False, "frobnicator is not installed")
def test_marked_for_a_missing_tool() -> None:
    raise AssertionError("a test marked for a missing tool must not run")


@requires(True, "the gizmo is installed")
def test_marked_for_a_tool_that_is_here() -> None:
    pass


def test_stopping_itself_for_a_missing_peer() -> None:
    require_or_skip("no widget server on this machine")
    raise AssertionError("require_or_skip must not return")
