"""Shared fixtures: small, fast runs reused across tests."""

from __future__ import annotations

import pytest

import orgsim


@pytest.fixture(scope="session")
def default_run_with_leads() -> orgsim.RunResult:
    """One year of the default scenario with the lead log (about 12k leads)."""
    return orgsim.simulate(seed=2024, record_leads=True)
