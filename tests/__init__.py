"""Tests of fieldkit."""
