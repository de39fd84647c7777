"""Tests: convergence."""
