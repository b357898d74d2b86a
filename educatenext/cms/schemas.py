"""School website payloads: every section a strict, size-bounded schema; CSS that loads nothing."""

import re

from marshmallow import ValidationError, fields, validate, validates

from educatenext.extensions import StrictSchema
from educatenext.platform.http.listing import SortedQuerySchema, sort_field
from educatenext.platform.http.schemas import ResourceSchema, ResponseSchema, UTCDateTime
from educatenext.students.schemas import PHONE, CalendarDay
from educatenext.users.schemas import EmailField

TEMPLATES = ("modern", "classic", "minimal")
SECTIONS = ("header", "hero", "about", "staff", "boardOfDirectors", "academics", "news",
            "events", "contact", "footer")  # fmt: skip
CSS_MAX = 20_000
LABEL = validate.Length(min=1, max=80)
TITLE = validate.Length(min=1, max=200)
TEXT = validate.Length(max=2_000)
BODY = validate.Length(max=10_000)
LABEL_RE = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
SUBDOMAIN_RE = re.compile(rf"^{LABEL_RE}$")
HOSTNAME_RE = re.compile(rf"^(?:{LABEL_RE}\.)+[a-z]{{2,63}}$")
# Names the platform's own hosts use: a school cannot claim them.
RESERVED_SUBDOMAINS = frozenset({"www", "api", "app", "admin", "mail", "static", "docs", "status"})
# A link: an absolute http(s), mailto: or tel: address, or a path or anchor on the site itself.
SAFE = r"[^\s<>\"'`]"
HREF_RE = re.compile(rf"^(?:https?://{SAFE}+|mailto:{SAFE}+|tel:[0-9+() -]+|[/#]{SAFE}*)$")
# What could make a stylesheet load a resource or run script; checked after CSS escapes and
# comments are undone, so `u\72l(` and `ur/**/l(` are caught as `url(`.
CSS_FORBIDDEN = ("@import", "url(", "image-set(", "image(", "src(", "expression(", "</", "<!--",
                 "javascript:", "behavior:", "-moz-binding")  # fmt: skip
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.DOTALL)


def media_url():
    """A stored http(s) URL (photos, logos): the server never fetches it."""
    return fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2_048))


HREF_ERROR = "An http(s), mailto: or tel: address, or a path or anchor starting with / or #."


def href():
    """A link target a visitor may follow."""
    return fields.String(
        required=True,
        validate=[validate.Length(max=2_048), validate.Regexp(HREF_RE, error=HREF_ERROR)],
    )


def listed(schema, most):
    """A list of at most `most` entries of a section schema."""
    return fields.List(fields.Nested(schema), validate=validate.Length(max=most))


def decoded_css(text):
    """The stylesheet as a browser reads it: escapes decoded, comments removed, lowercased."""

    def unescape(match):
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return match.group(2)

    return CSS_COMMENT.sub("", CSS_ESCAPE.sub(unescape, text)).lower()


class LinkSchema(StrictSchema):
    """A labelled link."""

    label = fields.String(required=True, validate=LABEL)
    href = href()


class HeaderSchema(StrictSchema):
    """The top of every page."""

    title = fields.String(validate=TITLE, metadata={"example": "Greenfield High School"})
    tagline = fields.String(validate=validate.Length(max=300))
    logoUrl = media_url()
    navigation = listed(LinkSchema, 12)


class HeroSchema(StrictSchema):
    """The banner of the home page."""

    heading = fields.String(validate=TITLE)
    subheading = fields.String(validate=validate.Length(max=500))
    imageUrl = media_url()
    callToAction = fields.Nested(LinkSchema)


class TextSectionSchema(StrictSchema):
    """A heading and a body of text (plain text or Markdown; the site renders it)."""

    heading = fields.String(validate=TITLE)
    body = fields.String(validate=BODY)


class PersonSchema(StrictSchema):
    """A person the school chose to show: no email or phone field, on purpose."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    title = fields.String(validate=validate.Length(max=120))
    department = fields.String(validate=validate.Length(max=120))
    photoUrl = media_url()
    bio = fields.String(validate=TEXT)


class ProgramSchema(StrictSchema):
    """A programme of study."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    description = fields.String(validate=TEXT)


class AcademicsSchema(TextSectionSchema):
    """What the school teaches."""

    programs = listed(ProgramSchema, 50)


class NewsItemSchema(StrictSchema):
    """A news story."""

    title = fields.String(required=True, validate=TITLE)
    body = fields.String(validate=validate.Length(max=5_000))
    publishedOn = CalendarDay(required=True)
    imageUrl = media_url()


class EventSchema(StrictSchema):
    """A dated event."""

    title = fields.String(required=True, validate=TITLE)
    description = fields.String(validate=TEXT)
    startsAt = UTCDateTime(required=True)
    endsAt = UTCDateTime()
    location = fields.String(validate=validate.Length(max=200))


class ContactSchema(StrictSchema):
    """How visitors reach the school office (what the admin types here is public)."""

    address = fields.String(validate=validate.Length(max=500))
    phone = fields.String(validate=PHONE)
    email = EmailField()
    officeHours = fields.String(validate=validate.Length(max=200))
    mapUrl = media_url()


class FooterSchema(StrictSchema):
    """The bottom of every page."""

    text = fields.String(validate=validate.Length(max=500))
    links = listed(LinkSchema, 20)


class ContentSchema(StrictSchema):
    """The site's sections; a write replaces the sections it names and keeps the others."""

    header = fields.Nested(HeaderSchema)
    hero = fields.Nested(HeroSchema)
    about = fields.Nested(TextSectionSchema)
    staff = listed(PersonSchema, 200)
    boardOfDirectors = listed(PersonSchema, 50)
    academics = fields.Nested(AcademicsSchema)
    news = listed(NewsItemSchema, 100)
    events = listed(EventSchema, 100)
    contact = fields.Nested(ContactSchema)
    footer = fields.Nested(FooterSchema)


class SeoSchema(StrictSchema):
    """What search engines and link previews show."""

    title = fields.String(validate=validate.Length(max=120))
    description = fields.String(validate=validate.Length(max=320))
    keywords = fields.List(fields.String(validate=LABEL), validate=validate.Length(max=20))
    imageUrl = media_url()


class SiteUpdateSchema(StrictSchema):
    """Changes to a site; `isPublished: true` publishes the draft as this write leaves it."""

    subdomain = fields.String(
        validate=validate.Length(min=1, max=63),
        metadata={"description": "Lowercase letters, digits and dashes", "example": "greenfield"},
    )
    customDomain = fields.String(
        allow_none=True,
        validate=validate.Length(min=4, max=253),
        metadata={
            "description": "The school's own host name; null removes it",
            "example": "www.greenfield.edu",
        },
    )
    template = fields.String(validate=validate.OneOf(TEMPLATES), metadata={"example": "modern"})
    content = fields.Nested(ContentSchema)
    seo = fields.Nested(SeoSchema)
    customCSS = fields.String(
        validate=validate.Length(max=CSS_MAX),
        metadata={
            "description": f"At most {CSS_MAX} characters; nothing that loads a resource or "
            "closes the style element (@import, url(, expression(, </, ...)"
        },
    )
    isPublished = fields.Boolean(
        metadata={"description": "true: publish the draft; false: take the site offline"}
    )

    @validates("subdomain")
    def subdomain_is_a_label(self, value, **kwargs):
        """One DNS label, not one of the platform's own."""
        label = value.strip().lower()
        if not SUBDOMAIN_RE.match(label):
            raise ValidationError("Lowercase letters, digits and inner dashes only (a DNS label).")
        if label in RESERVED_SUBDOMAINS:
            raise ValidationError("This name is reserved.")

    @validates("customDomain")
    def custom_domain_is_a_host_name(self, value, **kwargs):
        """A fully qualified host name."""
        if value is not None and not HOSTNAME_RE.match(value.strip().lower().rstrip(".")):
            raise ValidationError("Not a valid host name (e.g. www.greenfield.edu).")

    @validates("customCSS")
    def css_loads_nothing(self, value, **kwargs):
        """Custom CSS styles the page; it may not fetch, script or break out of its element."""
        css = decoded_css(value)
        found = [token for token in CSS_FORBIDDEN if token in css]
        if found:
            raise ValidationError(f"Not allowed in custom CSS: {', '.join(found)}.")


class SiteCreateSchema(SiteUpdateSchema):
    """A school's website (one per institution)."""

    subdomain = fields.String(
        required=True,
        validate=validate.Length(min=1, max=63),
        metadata={"description": "Lowercase letters, digits and dashes", "example": "greenfield"},
    )
    template = fields.String(
        load_default="modern", validate=validate.OneOf(TEMPLATES), metadata={"example": "modern"}
    )


class SiteFields:
    """What a site is, as its administrators and its public page both see it."""

    subdomain = fields.String(metadata={"example": "greenfield"})
    customDomain = fields.String(allow_none=True, metadata={"example": "www.greenfield.edu"})
    template = fields.String(metadata={"example": "modern"})
    content = fields.Nested(ContentSchema)
    seo = fields.Nested(SeoSchema)
    customCSS = fields.String()
    isPublished = fields.Boolean()


class SiteSchema(ResourceSchema, SiteFields):
    """A site as its administrators see it: the draft, and whether it is live."""

    publishedAt = UTCDateTime(allow_none=True)
    hasUnpublishedChanges = fields.Boolean(
        metadata={"description": "The draft differs from what the public site shows"}
    )


class SiteEnvelopeSchema(StrictSchema):
    """{message, site}."""

    message = fields.String()
    site = fields.Nested(SiteSchema)


class PublicSiteSchema(ResponseSchema, SiteFields):
    """The published site: only what its administrators published, nothing else."""

    id = fields.String()
    _id = fields.String(data_key="_id")
    publishedAt = UTCDateTime()


class SiteQuerySchema(SortedQuerySchema):
    """Sites of the caller's institution (one at most); sorted by creation."""

    sort = sort_field("createdAt")
