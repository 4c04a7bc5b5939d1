"""The shipped YAML configurations (package data; located by :mod:`stra_live.resources`)."""
