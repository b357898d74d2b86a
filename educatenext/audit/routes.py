"""/api/v1/audit-events: the institution's audit trail."""

from flask.views import MethodView

from educatenext.audit import service
from educatenext.audit.schemas import AuditEventSchema, AuditQuerySchema
from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN
from educatenext.extensions import Blueprint
from educatenext.platform.http.pagination import page_window, pagination_headers

blp = Blueprint("audit", __name__, url_prefix="/audit-events", description="Audit trail")


@blp.route("")
class AuditEvents(MethodView):
    """Audit events."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, args):
        """Writes and security events of the institution, newest first."""
        page, limit = page_window(args)
        items, total = service.list_events(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)
