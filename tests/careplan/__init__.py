"""Tests: careplan."""
