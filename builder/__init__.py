"""The app-definition model: schema, loading, validation, versions, install."""
