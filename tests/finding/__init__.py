"""Tests: finding."""
