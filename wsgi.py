"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from educatenext import create_app, warn_if_degraded

app = create_app()
warn_if_degraded(app)
