"""Formwork's runtime engines: they interpret published app definitions.

Engines never import ``api``; the API is a thin layer over them.
"""
