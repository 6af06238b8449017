"""Spreadsheets in and out: an entity's records as XLSX or CSV files (docs/import-export.md)."""
