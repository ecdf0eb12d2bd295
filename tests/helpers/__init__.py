"""Shared helpers of the live-mode tests: a local replay server standing in for the real APIs.

- `replay`: `ReplayServer` (routes per source, scripted failure answers, request and byte counts
  per source) and the `Sleeps` recorder for HTTP clients.
- `answers`: realistic failure answers of the real servers (HTML error pages, rate-limit pages,
  World Bank error bodies), each with the source of its shape.
- `pipeline`: running the real nightly job in live mode against a replay server, and reading
  what it published.
- `worldbank_replay`, `projects_replay`, `overpass_replay`: the per-API replay handlers.

Nothing here touches the internet: every server listens on 127.0.0.1.
"""
