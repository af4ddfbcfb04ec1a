"""Prefect flows: thin orchestration over the importable `trialmart` package."""
