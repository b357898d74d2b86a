"""/api/v1/id-cards: students' and teachers' ID cards, as data and as a PDF."""

from flask import Response
from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, PARENT, STUDENT, TEACHER
from educatenext.extensions import Blueprint
from educatenext.idcards import service
from educatenext.idcards.schemas import CardQuerySchema, IdCardSchema

blp = Blueprint("id_cards", __name__, url_prefix="/id-cards", description="ID cards")
READERS = (ADMIN, TEACHER, STUDENT, PARENT)
CARD_EXAMPLE = {
    "id": "665f1c2ab7e4a1d2c3b4a5f6", "_id": "665f1c2ab7e4a1d2c3b4a5f6", "cardNumber": "C000042",
    "userId": "665f1c2ab7e4a1d2c3b4a5f0", "userType": "student",
    "recordId": "665f1c2ab7e4a1d2c3b4a5e9",
    "cardData": {"name": "Sam Student", "photo": "https://cdn.example.org/sam.jpg",
                 "id": "S2026-0007", "institution": "Riverside Primary",
                 "validUntil": "2027-12-06T00:00:00Z", "class": "Grade 5 A",
                 "emergencyContact": {"name": "Pat Parent", "relationship": "mother",
                                      "phone": "+1 555 0101"}},
    "qrCodeId": "eyJ1IjoiNjY1ZjFjMmFi...signed", "qrExpiresAt": "2026-12-07T09:00:00Z",
    "digitalWalletAdded": False, "issuedAt": "2026-12-06T09:00:00Z",
    "validUntil": "2027-12-06T00:00:00Z",
}  # fmt: skip


@blp.route("/<holder_id>")
class IdCard(MethodView):
    """A holder's card."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.arguments(CardQuerySchema, location="query")
    @blp.response(200, IdCardSchema, example=CARD_EXAMPLE)
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
    @blp.response(200, IdCardSchema, example={**CARD_EXAMPLE, "digitalWalletAdded": True})
    def post(self, card_id):
        """Mark your card as added to your phone's wallet (idempotent)."""
        return service.add_to_wallet(current_identity(), card_id)


@blp.route("/<card_id>/reissue")
class IdCardReissue(MethodView):
    """Reissue."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.response(200, IdCardSchema, example={
        **CARD_EXAMPLE, "cardNumber": "C000108",
        "previousNumbers": [{"cardNumber": "C000042", "issuedAt": "2026-12-06T09:00:00Z",
                             "replacedAt": "2027-02-01T10:00:00Z",
                             "replacedBy": "665f1c2ab7e4a1d2c3b4a500"}],
    })  # fmt: skip
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
