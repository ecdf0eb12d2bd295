"""The shared replay server of tests/helpers/replay.py as fixtures `replay` / `replay_session`."""

from tests.helpers.replay import replay, replay_session  # noqa: F401
