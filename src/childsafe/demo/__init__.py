"""Benign generated demo data, so a new user can see matching work in one command."""
