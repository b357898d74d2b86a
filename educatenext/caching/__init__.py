"""Response caching on Redis, invalidated by per-tenant, per-collection generations."""
