"""The identity of a form we sent: a keyed digest (HMAC-SHA256) of the workspace, unit, period, tasks and
indicators written in its very hidden sheet. The key never leaves the office's store, so a unit that edits the
hidden sheet (to pass its return off as another unit's, or another period's) cannot write a digest that matches."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

IDENTITY_LENGTH = 32  # hex characters kept: 128 bits


def identity_digest(
    key: bytes,
    workspace: str,
    unit: str,
    period: str,
    tasks: Iterable[tuple[str, str]],
    indicators: Iterable[tuple[str, str, int, str]] = (),
) -> str:
    """The digest of a form's identity: ``tasks`` as (id, role), ``indicators`` as (key, task id, row, district)."""
    payload = json.dumps(
        [workspace, unit, period, sorted(tasks), sorted(indicators)], ensure_ascii=False, separators=(",", ":")
    )
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()[:IDENTITY_LENGTH]


def same_identity(expected: str, found: str) -> bool:
    return hmac.compare_digest(expected, found)
