"""Tests: console."""
