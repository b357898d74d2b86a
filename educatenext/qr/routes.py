"""/api/v1/qr: students' signed QR codes."""

from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, INSTITUTION_ROLES, TEACHER
from educatenext.extensions import Blueprint
from educatenext.qr import service
from educatenext.qr.schemas import QRCodeSchema, QRGenerateSchema, QRValidationSchema

blp = Blueprint("qr", __name__, url_prefix="/qr", description="QR codes")


@blp.route("/generate/<user_id>")
class QRGenerate(MethodView):
    """Generate."""

    decorators = resource_limits()

    @allow(*INSTITUTION_ROLES)
    @blp.arguments(QRGenerateSchema)
    @blp.response(201, QRCodeSchema)
    def post(self, payload, user_id):
        """Generate a QR payload (your own; admins any user's; teachers their students').

        Replaces the previous one.
        """
        return service.generate(current_identity(), user_id, payload["userType"])


@blp.route("/validate/<path:qr_data>")
class QRValidate(MethodView):
    """Validate."""

    decorators = resource_limits()

    @allow(ADMIN, TEACHER)
    @blp.response(200, QRValidationSchema)
    def get(self, qr_data):
        """Check a QR payload's signature, expiry, institution and currency."""
        return service.describe(qr_data, current_identity())
