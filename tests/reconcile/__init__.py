"""Tests: reconcile."""
