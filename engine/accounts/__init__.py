"""People of a tenant: users, departments, passwords and access tokens."""
