"""Local servers for development, tests and benchmarks: never imported by educatenext.

processes: throwaway secantusdb, Redis, gunicorn and nginx processes on free loopback ports.
devstack: `make run` and the Flask CLI against this checkout's embedded servers.
chaos: the fault-injection stack and its client ledger (`make chaos` and the fault tests).
"""
