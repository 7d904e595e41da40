"""Creators react to what the shop announces; each receiver only enqueues a task."""
