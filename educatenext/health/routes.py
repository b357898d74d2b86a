"""Liveness and readiness probes."""

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from educatenext.auth.permissions import public
from educatenext.extensions import Blueprint, limiter
from educatenext.health.service import dependency_states
from educatenext.platform.http.errors import APIError

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


class HealthSchema(Schema):
    """Probe answer."""

    status = fields.String(metadata={"example": "ok"})
    dependencies = fields.Dict(keys=fields.String(), values=fields.String())


@blp.route("/health")
class Health(MethodView):
    """Liveness."""

    decorators = [limiter.exempt]  # probes from load balancers and orchestrators

    @public
    @blp.response(200, HealthSchema)
    def get(self):
        """Process is up (no versions, hosts or dependency details)."""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    """Readiness."""

    decorators = [limiter.exempt]

    @public
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="A dependency is down; details name which")
    def get(self):
        """MongoDB and Redis both answer within a short timeout."""
        states = dependency_states()
        if all(state in ("ok", "disabled") for state in states.values()):
            return {"status": "ok", "dependencies": states}
        retry = str(current_app.config["RETRY_AFTER_SECONDS"])
        down = ", ".join(name for name, state in states.items() if state == "down")
        raise APIError(
            503,
            "SERVICE_UNAVAILABLE",
            f"Not ready: {down} unavailable.",
            details=states,
            headers={"Retry-After": retry},
        )
