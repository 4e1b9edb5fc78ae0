"""The resource inventory (综资): HTTP client, embedded stand-in, its REST server and seed data."""
