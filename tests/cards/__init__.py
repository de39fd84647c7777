"""Tests: cards."""
