"""ID card payloads."""

from marshmallow import fields, validate

from educatenext.extensions import QuerySchema
from educatenext.idcards.service import CARD_TYPES
from educatenext.platform.http.schemas import (
    ObjectIdField,
    ResourceSchema,
    ResponseSchema,
    UTCDateTime,
)


class CardQuerySchema(QuerySchema):
    """?userType=student|teacher."""

    userType = fields.String(load_default="student", validate=validate.OneOf(CARD_TYPES))


class CardContactSchema(ResponseSchema):
    """Who to call, as printed on a student's card."""

    name = fields.String()
    relationship = fields.String(allow_none=True)
    phone = fields.String()


class CardDataSchema(ResponseSchema):
    """What the card shows."""

    name = fields.String()
    photo = fields.String(allow_none=True, metadata={"description": "A stored URL, never fetched"})
    id = fields.String(allow_none=True, metadata={"description": "Student or employee id"})
    institution = fields.String(allow_none=True)
    validUntil = UTCDateTime()
    class_ = fields.String(data_key="class", attribute="class", allow_none=True)
    emergencyContact = fields.Nested(CardContactSchema, allow_none=True)


class PreviousNumberSchema(ResponseSchema):
    """A number a reissue replaced (admins only)."""

    cardNumber = fields.String()
    issuedAt = UTCDateTime()
    replacedAt = UTCDateTime()
    replacedBy = ObjectIdField()


class IdCardSchema(ResourceSchema):
    """An ID card."""

    cardNumber = fields.String(metadata={"example": "C000042"})
    userId = ObjectIdField()
    userType = fields.String()
    recordId = ObjectIdField()
    cardData = fields.Nested(CardDataSchema)
    qrCodeId = fields.String(metadata={"description": "The holder's current signed QR payload"})
    qrExpiresAt = UTCDateTime()
    digitalWalletAdded = fields.Boolean()
    walletAddedAt = UTCDateTime(allow_none=True)
    issuedAt = UTCDateTime()
    validUntil = UTCDateTime()
    previousNumbers = fields.List(fields.Nested(PreviousNumberSchema))
