"""Benign test images shared across the test suite (see SAFETY.md: generated or bundled photos)."""
