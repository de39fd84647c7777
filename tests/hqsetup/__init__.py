"""Tests: hqsetup."""
