"""The forms engine: field types, record validation and storage of records."""
