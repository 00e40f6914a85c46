"""Business logic. Each service takes a SQLAlchemy session and plain values, flushes, and never commits:
the request (or CLI command) that called it commits once."""
