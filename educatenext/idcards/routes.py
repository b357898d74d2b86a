"""/api/v1/id-cards: students' and teachers' ID cards, as data and as a PDF."""

from flask import Response
from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.roles import ADMIN, PARENT, STUDENT, TEACHER
from educatenext.extensions import Blueprint
from educatenext.idcards import service
from educatenext.idcards.schemas import CardQuerySchema, IdCardSchema
from educatenext.ratelimits import resource_limits

blp = Blueprint("id_cards", __name__, url_prefix="/id-cards", description="ID cards")
READERS = (ADMIN, TEACHER, STUDENT, PARENT)


@blp.route("/<holder_id>")
class IdCard(MethodView):
    """A holder's card."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.arguments(CardQuerySchema, location="query")
    @blp.response(200, IdCardSchema)
    def get(self, args, holder_id):
        """The card of a student or teacher (account or record id); issued on first read.

        Students: their own; parents: their children's; teachers: their classrooms' students'
        and their own; admins: anyone's.
        """
        return service.card_for(current_identity(), holder_id, args["userType"])


@blp.route("/<card_id>/wallet")
class IdCardWallet(MethodView):
    """Wallet."""

    decorators = resource_limits()

    @allow(STUDENT, TEACHER)
    @blp.response(200, IdCardSchema)
    def post(self, card_id):
        """Mark your card as added to your phone's wallet (idempotent)."""
        return service.add_to_wallet(current_identity(), card_id)


@blp.route("/<card_id>/reissue")
class IdCardReissue(MethodView):
    """Reissue."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.response(200, IdCardSchema)
    def post(self, card_id):
        """Give a lost card a new number and validity; the old number stays on record."""
        return service.reissue(current_identity(), card_id)


@blp.route("/<card_id>/download")
class IdCardDownload(MethodView):
    """PDF."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.doc(responses={"200": {"description": "The card as a PDF (ID-1 page)",
                                "content": {"application/pdf": {}}}})  # fmt: skip
    def get(self, card_id):
        """The card as a one-page PDF with the holder's QR code."""
        document, name = service.download(current_identity(), card_id)
        headers = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "private, no-store"}  # fmt: skip
        return Response(document, mimetype="application/pdf", headers=headers)
