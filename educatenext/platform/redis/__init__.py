"""Redis: connection settings, the circuit breaker, the rate-limit storage."""
