"""/api/v1/cms: a school's public website, edited by its admins and read by anyone."""

import hashlib

from flask import Response, current_app, request
from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow, public
from educatenext.auth.ratelimits import public_site_limits, resource_limits
from educatenext.auth.roles import ADMIN
from educatenext.cms import service
from educatenext.cms.schemas import (
    PublicSiteSchema,
    SiteCreateSchema,
    SiteEnvelopeSchema,
    SiteQuerySchema,
    SiteSchema,
    SiteUpdateSchema,
)
from educatenext.extensions import Blueprint
from educatenext.idempotency.service import idempotent
from educatenext.platform.http.errors import not_found
from educatenext.platform.http.pagination import page_window, pagination_headers

blp = Blueprint("cms", __name__, url_prefix="/cms", description="School websites")

SITE_EXAMPLE = {
    "subdomain": "greenfield",
    "template": "modern",
    "content": {
        "header": {"title": "Greenfield High School", "tagline": "Learning for life",
                   "navigation": [{"label": "About", "href": "#about"}]},
        "hero": {"heading": "Welcome to Greenfield",
                 "callToAction": {"label": "Admissions", "href": "/admissions"}},
        "about": {"heading": "About us", "body": "Founded in 1952 ..."},
        "staff": [{"name": "Dana Principal", "title": "Principal"}],
        "news": [{"title": "Science fair", "publishedOn": "2026-03-01", "body": "..."}],
        "events": [{"title": "Open day", "startsAt": "2026-04-10T09:00:00Z"}],
        "contact": {"address": "1 School Lane", "phone": "+1 555 0100",
                    "email": "office@greenfield.edu"},
        "footer": {"text": "© Greenfield High School"},
    },
    "seo": {"title": "Greenfield High School", "description": "A public high school."},
    "customCSS": ".hero { background: #0a3d62; }",
    "isPublished": True,
}  # fmt: skip
SITE_ID = "665f1c2ab7e4a1d2c3b4a5f7"
PUBLISHED_EXAMPLE = {
    "id": SITE_ID, "_id": SITE_ID, "customDomain": "www.greenfield.edu",
    **SITE_EXAMPLE, "publishedAt": "2026-12-06T09:00:00Z",
}  # fmt: skip
SITE_RESPONSE_EXAMPLE = {
    **PUBLISHED_EXAMPLE, "hasUnpublishedChanges": False,
    "createdAt": "2026-12-06T09:00:00Z", "updatedAt": "2026-12-06T09:00:00Z",
}  # fmt: skip
ENVELOPE_EXAMPLE = {"message": "Site updated.", "site": SITE_RESPONSE_EXAMPLE}


@blp.route("/sites")
class SiteList(MethodView):
    """The school's website (one per institution)."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.arguments(SiteQuerySchema, location="query")
    @blp.response(200, SiteSchema(many=True), example=[SITE_RESPONSE_EXAMPLE])
    def get(self, args):
        """The school's site, as a list of at most one (drafts included)."""
        page, limit = page_window(args)
        items, total = service.list_sites(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(ADMIN)
    @idempotent
    @blp.arguments(SiteCreateSchema, example=SITE_EXAMPLE)
    @blp.response(201, SiteEnvelopeSchema, example={**ENVELOPE_EXAMPLE, "message": "Site created."})
    def post(self, payload):
        """Create the school's site; `isPublished: true` publishes it at once."""
        site = service.create_site(current_identity(), payload)
        return {"message": "Site created.", "site": site}


@blp.route("/sites/<site_id>")
class SiteDetail(MethodView):
    """One site."""

    decorators = resource_limits()

    @allow(ADMIN)
    @blp.response(200, SiteSchema, example=SITE_RESPONSE_EXAMPLE)
    def get(self, site_id):
        """The site's draft and whether it is published."""
        return service.get_site(current_identity(), site_id)

    @allow(ADMIN)
    @blp.arguments(SiteUpdateSchema, example={
        "content": {"news": [{"title": "Term starts", "publishedOn": "2026-09-01"}]},
        "isPublished": True,
    })  # fmt: skip
    @blp.response(200, SiteEnvelopeSchema, example=ENVELOPE_EXAMPLE)
    def patch(self, changes, site_id):
        """Edit the draft: each section named replaces that section; the live site changes
        only when the same or a later write says `isPublished: true`."""
        site = service.update_site(current_identity(), site_id, changes)
        return {"message": "Site updated.", "site": site}

    @allow(ADMIN)
    @blp.response(200, SiteEnvelopeSchema, example={**ENVELOPE_EXAMPLE, "message": "Site deleted."})
    def delete(self, site_id):
        """Delete the site: its addresses answer 404 and may be taken again."""
        site = service.delete_site(current_identity(), site_id)
        return {"message": "Site deleted.", "site": site}


@blp.route("/public/<domain>")
class PublicSite(MethodView):
    """A published site, by host name."""

    decorators = public_site_limits()

    @public
    @blp.response(200, PublicSiteSchema, example=PUBLISHED_EXAMPLE)
    def get(self, domain):
        """The published site whose subdomain or custom domain is `domain` (any case).

        No token needed. Unpublished sites and unknown hosts answer 404. Answers carry an ETag:
        a browser or CDN revalidates (304) instead of downloading the site again.
        """
        status, body, cache_state = service.public_site(domain, render_public)
        if status == 404:
            raise not_found("Site")
        response = Response(body, mimetype="application/json")
        response.set_etag(hashlib.blake2b(body.encode(), digest_size=16).hexdigest())
        response.headers["Cache-Control"] = "public, no-cache"
        response.headers["X-Cache"] = cache_state
        return response.make_conditional(request)


def render_public(site):
    """The public answer's body (what the public cache keeps)."""
    return current_app.json.dumps(PublicSiteSchema().dump(site), separators=(",", ":"))
