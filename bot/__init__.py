"""Composition root: configuration, wiring, HTTP application, command line."""
