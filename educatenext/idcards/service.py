"""ID card rules: one card per account, issued on first read, reissued only by an admin.

Who may read a card follows the row rules of its holder's record: a student's card as the
student record (the student, their parents, their classrooms' teachers, admins); a teacher's
card the teacher and admins. The card's details are read from the records at each request,
so a name or class change shows at once; the number, issue and validity are the card's own.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from educatenext.auth.roles import ADMIN, STUDENT, TEACHER
from educatenext.classrooms.service import classroom_names
from educatenext.idcards import pdf
from educatenext.idcards.repository import IdCardRepository
from educatenext.institutions.repository import InstitutionRepository
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.values import parse_object_id, utcnow
from educatenext.qr import service as qr_service
from educatenext.students.repository import CounterRepository
from educatenext.students.service import visible_student
from educatenext.teachers.repository import TeacherRepository
from educatenext.users.repository import UserRepository

CARD_TYPES = (STUDENT, TEACHER)


@dataclass(frozen=True)
class Holder:
    """A card's holder: their account and their student or teacher record."""

    user_type: str
    user: dict
    record: dict


def card_for(identity, holder_id, user_type):
    """The card of a student or teacher (account or record id), issued on the first read."""
    holder = _holder(identity, holder_id, user_type)
    cards = IdCardRepository(identity.scope)
    card = cards.by_holder(holder.user["_id"]) or cards.issue(_first_card(identity, holder))
    return describe(identity, card, holder)


def card_by_id(identity, card_id):
    """(card, holder) by the card's id, under the holder's row rules (404 otherwise)."""
    card = IdCardRepository(identity.scope).get(card_id)
    if card is None:
        raise not_found("ID card")
    try:
        holder = _holder(identity, card["userId"], card["userType"])
    except APIError as error:
        raise not_found("ID card") from error
    return card, holder


def add_to_wallet(identity, card_id):
    """Mark the caller's own card as added to a phone wallet (again: no change)."""
    card, holder = card_by_id(identity, card_id)
    if card["userId"] != identity.user_id:
        raise APIError(403, "FORBIDDEN", "Only the card's holder adds it to a wallet.")
    card = IdCardRepository(identity.scope).mark_in_wallet(card)
    return describe(identity, card, holder)


def reissue(identity, card_id):
    """A new card number and validity for a lost card; the old number stays on record."""
    card, holder = card_by_id(identity, card_id)
    renewed = IdCardRepository(identity.scope).reissue(
        card, _next_number(identity), _valid_until(utcnow()), identity.user_id
    )
    if renewed is None:
        raise APIError(409, "CONFLICT", "This card was reissued meanwhile; read it again.")
    return describe(identity, renewed, holder)


def download(identity, card_id):
    """(PDF bytes, file name) of a card."""
    card, holder = card_by_id(identity, card_id)
    view = describe(identity, card, holder)
    return pdf.render(view, current_app.config["ID_CARD_FONT"]), f"id-card-{card['cardNumber']}.pdf"


def describe(identity, card, holder):
    """The card as the clients read it: number, printed details, the current QR payload."""
    record = holder.record
    code = qr_service.current(identity.scope, holder.user, holder.user_type)
    view = {
        **card,
        "cardData": {
            "name": record.get("name") or holder.user.get("name"),
            "photo": record.get("photoUrl"),
            "id": record.get("generatedId") or record.get("employeeId"),
            "institution": _institution_name(identity),
            "validUntil": card["validUntil"],
            "class": _class_name(identity, record) if holder.user_type == STUDENT else None,
            "emergencyContact": _emergency_contact(record),
        },
        "qrCodeId": code["qrData"],
        "qrExpiresAt": code["expiresAt"],
    }
    if identity.role != ADMIN:
        view.pop("previousNumbers", None)
    return view


def _holder(identity, holder_id, user_type):
    if user_type == STUDENT:
        record = visible_student(identity, holder_id)
        if record.get("userId") is None:
            raise APIError(409, "CONFLICT", "This student has no account yet; link one first.")
    else:
        teachers = TeacherRepository(identity.scope)
        record = teachers.get(holder_id) or teachers.by_user(parse_object_id(holder_id))
        if record is None or (identity.role != ADMIN and record["userId"] != identity.user_id):
            raise not_found("Teacher")
    user = UserRepository(identity.scope).get(record["userId"])
    if user is None or user.get("status") != "active":
        raise not_found("User")
    return Holder(user_type, user, record)


def _first_card(identity, holder):
    now = utcnow()
    return {
        "userId": holder.user["_id"],
        "userType": holder.user_type,
        "recordId": holder.record["_id"],
        "cardNumber": _next_number(identity),
        "issuedAt": now,
        "validUntil": _valid_until(now),
        "digitalWalletAdded": False,
        "walletAddedAt": None,
        "previousNumbers": [],
    }


def _next_number(identity):
    """The school's next card number: a sequence, so no number is ever given twice."""
    return f"C{CounterRepository(identity.scope).next_value('id-cards'):06d}"


def _valid_until(issued):
    return issued + timedelta(days=current_app.config["ID_CARD_VALID_DAYS"])


def _institution_name(identity):
    institution = InstitutionRepository(identity.scope).find_one({}, projection={"name": 1})
    return (institution or {}).get("name")


def _class_name(identity, student):
    classroom_id = student.get("classroomId")
    return classroom_names(identity.scope, [classroom_id]).get(classroom_id)


def _emergency_contact(record):
    """The first emergency contact, else the first guardian with a phone (students only)."""
    for contact in record.get("emergencyContacts") or []:
        return {key: contact.get(key) for key in ("name", "relationship", "phone")}
    for guardian in record.get("guardianInfo") or []:
        if guardian.get("phone"):
            return {key: guardian.get(key) for key in ("name", "relationship", "phone")}
    return None
