"""Tests: hq."""
