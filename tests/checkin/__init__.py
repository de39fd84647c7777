"""Tests: checkin."""
