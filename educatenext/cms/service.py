"""School website rules: one site per school, a draft and what was published, public by host."""

from flask import current_app

from educatenext.cms import publiccache
from educatenext.cms.repository import SiteRepository
from educatenext.cms.schemas import HOSTNAME_RE, SUBDOMAIN_RE
from educatenext.platform.http.errors import APIError, not_found, validation_error
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.values import utcnow

# What a publication copies from the draft: the public answer shows these, as published.
PUBLISHED_FIELDS = ("template", "content", "seo", "customCSS")
SAVE_ATTEMPTS = 3


def list_sites(identity, args, page, limit):
    """(sites, total): the caller's school's site, if it has one."""
    repository = SiteRepository(identity.scope)
    sites, total = repository.page({}, sort=args["sort_spec"], page=page, limit=limit)
    return [admin_view(site) for site in sites], total


def get_site(identity, site_id):
    """The school's site by id, as its administrators see it, or 404."""
    return admin_view(_site(identity, site_id))


def create_site(identity, payload):
    """Create the school's site (409 if it has one; a taken host name: 409 from its index)."""
    repository = SiteRepository(identity.scope)
    if repository.of_institution() is not None:
        raise APIError(409, "CONFLICT", "This institution already has a website; edit it instead.")
    publish = payload.pop("isPublished", False)
    site = {"content": {}, "seo": {}, "customCSS": "", **_hosts(payload), "revision": 0}
    site = _published(site, identity) if publish else {**site, "isPublished": False}
    site = repository.insert(site)
    publiccache.stale_all()  # a cached "unknown host" may name this site's host
    return admin_view(site)


def update_site(identity, site_id, changes):
    """Apply changes to the draft (sections named replace theirs), publish or unpublish."""
    repository = SiteRepository(identity.scope)
    changes = _hosts(dict(changes))
    publish = changes.pop("isPublished", None)
    site = _site(identity, site_id)
    for _ in range(SAVE_ATTEMPTS):
        content = {**site.get("content", {}), **changes.get("content", {})}
        new = {**site, **changes, "content": content}
        removed = ()
        if new.get("customDomain") is None:
            new.pop("customDomain", None)
            removed = ("customDomain",) if "customDomain" in site else ()
        if publish:
            new = _published(new, identity)
        elif publish is False:
            new["isPublished"] = False
        written = {key: value for key, value in new.items() if site.get(key) != value}
        saved = repository.save(site, written, removed)
        if saved is not None:
            publiccache.stale_all()
            return admin_view(saved)
        site = _site(identity, site_id)  # another save landed first: apply ours to its result
    raise APIError(409, "CONFLICT", "The site kept changing while saving; try again.")


def delete_site(identity, site_id):
    """Delete the school's site: the public host names answer 404 and are free again."""
    site = _site(identity, site_id)
    if not SiteRepository(identity.scope).remove(site):
        raise not_found("Site")
    publiccache.stale_all()
    return admin_view(site)


def public_site(domain, render):
    """(status, body) for a public read of the site at domain: render(public view) if published.

    Answers come from the public cache when they can; a host that cannot be a site's answers
    404 without a query.
    """
    host = domain.strip().lower().rstrip(".")
    token = publiccache.current_token()
    if token is not None and (body := publiccache.lookup(token, host)) is not None:
        return (404, None, "HIT") if body == publiccache.NOT_FOUND else (200, body, "HIT")
    site = _find_published(host)
    body = None if site is None else render(public_view(site))
    if token is not None:
        publiccache.store(token, host, publiccache.NOT_FOUND if body is None else body)
    return (404, None, "MISS") if body is None else (200, body, "MISS")


def _find_published(host):
    """The published site at this host name (a subdomain or a custom domain), or None."""
    if len(host) > 253:
        return None
    repository = SiteRepository(TenantScope.platform_wide())
    if SUBDOMAIN_RE.match(host):
        return repository.published_by_subdomain(host)
    sites_domain = current_app.config["CMS_SITES_DOMAIN"].lower()
    if sites_domain and host.endswith(f".{sites_domain}"):
        label = host[: -len(sites_domain) - 1]
        return repository.published_by_subdomain(label) if SUBDOMAIN_RE.match(label) else None
    if HOSTNAME_RE.match(host):
        return repository.published_by_custom_domain(host)
    return None


def admin_view(site):
    """A site as its administrators see it: the draft, and whether it differs from the live one."""
    published = site.get("published")
    changed = bool(site.get("isPublished")) and any(
        (published or {}).get(name) != site.get(name) for name in PUBLISHED_FIELDS
    )
    return {**site, "hasUnpublishedChanges": changed}


def public_view(site):
    """Only what was published: the draft, the school's ids and who published stay out."""
    return {
        "id": str(site["_id"]),
        "_id": str(site["_id"]),
        "subdomain": site["subdomain"],
        "customDomain": site.get("customDomain"),
        **{name: site["published"].get(name) for name in PUBLISHED_FIELDS},
        "isPublished": True,
        "publishedAt": site.get("publishedAt"),
    }


def _site(identity, site_id):
    site = SiteRepository(identity.scope).get(site_id)
    if site is None:
        raise not_found("Site")
    return site


def _published(site, identity):
    """The site with its draft published as it stands."""
    snapshot = {name: site.get(name) for name in PUBLISHED_FIELDS}
    return {**site, "isPublished": True, "published": snapshot, "publishedAt": utcnow(),
            "publishedBy": identity.user_id}  # fmt: skip


def _hosts(fields):
    """Host names lowercased; a custom domain may not sit under the platform's own domain."""
    if isinstance(fields.get("subdomain"), str):
        fields["subdomain"] = fields["subdomain"].strip().lower()
    if isinstance(fields.get("customDomain"), str):
        host = fields["customDomain"].strip().lower().rstrip(".")
        sites_domain = current_app.config["CMS_SITES_DOMAIN"].lower()
        if sites_domain and (host == sites_domain or host.endswith(f".{sites_domain}")):
            raise validation_error(
                {"customDomain": [f"Addresses under {sites_domain} are subdomains."]}, "json"
            )
        fields["customDomain"] = host
    return fields
