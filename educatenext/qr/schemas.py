"""QR payloads."""

from marshmallow import fields, validate

from educatenext.auth.roles import INSTITUTION_ROLES
from educatenext.extensions import StrictSchema
from educatenext.platform.http.schemas import UTCDateTime


class QRGenerateSchema(StrictSchema):
    """{userType}."""

    userType = fields.String(load_default="student", validate=validate.OneOf(INSTITUTION_ROLES))


class QRCodeSchema(StrictSchema):
    """A QR payload and its validity."""

    qrData = fields.String()
    userId = fields.String()
    userType = fields.String()
    issuedAt = UTCDateTime()
    expiresAt = UTCDateTime()


class QRValidationSchema(QRCodeSchema):
    """Who a valid QR payload names."""

    valid = fields.Boolean()
    name = fields.String()
    institutionId = fields.String()
