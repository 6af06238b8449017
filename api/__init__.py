"""The HTTP API: a thin FastAPI layer over the engines (design.md, API contract)."""
