"""MongoDB: the client, the tenant-scoped repository base, write events, migrations, backup."""
