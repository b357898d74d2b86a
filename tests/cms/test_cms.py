"""Public school websites: admins edit a draft and publish it; anyone reads the published site."""

import pytest

SITE = {
    "subdomain": "Greenfield",
    "template": "modern",
    "content": {
        "header": {
            "title": "Greenfield High",
            "navigation": [{"label": "About", "href": "#about"}],
        },
        "hero": {"heading": "Welcome", "callToAction": {"label": "Apply", "href": "/apply"}},
        "about": {"heading": "About us", "body": "Founded in 1952."},
        "staff": [{"name": "Dana Principal", "title": "Principal"}],
        "news": [{"title": "Science fair", "publishedOn": "2026-03-01"}],
        "events": [{"title": "Open day", "startsAt": "2026-04-10T09:00:00Z"}],
        "contact": {"email": "office@greenfield.edu", "phone": "+1 555 0100"},
        "footer": {"text": "(c) Greenfield"},
    },
    "seo": {"title": "Greenfield High School", "keywords": ["school"]},
    "customCSS": ".hero { color: #0a3d62; }",
}


def create(api, site=None, school="a", **changes):
    """POST a site as school's admin; the response."""
    return api("admin", school).post("/cms/sites", json={**(site or SITE), **changes})


def public(client, domain, headers=None):
    """A public read, without a token."""
    return client.get(f"/api/cms/public/{domain}", headers=headers or {})


def test_a_published_site_is_read_without_a_token_by_either_host_name(api, client):
    created = create(api, isPublished=True, customDomain="WWW.Greenfield.EDU")
    assert created.status_code == 201, created.get_json()
    site = created.get_json()["site"]
    assert (site["subdomain"], site["customDomain"]) == ("greenfield", "www.greenfield.edu")
    assert site["isPublished"] is True
    assert site["hasUnpublishedChanges"] is False
    for domain in ("greenfield", "GreenField", "www.greenfield.edu", "WWW.GREENFIELD.EDU."):
        answer = public(client, domain)
        assert answer.status_code == 200, (domain, answer.get_json())
        body = answer.get_json()
        assert body["id"] == body["_id"] == site["id"]
        assert body["content"]["header"]["title"] == "Greenfield High"
        assert body["content"]["news"][0]["publishedOn"] == "2026-03-01"
        assert body["content"]["events"][0]["startsAt"] == "2026-04-10T09:00:00Z"
        assert body["customCSS"] == SITE["customCSS"]
        assert "institutionId" not in body
        assert "publishedBy" not in body


def test_unknown_and_unpublished_hosts_answer_a_404_envelope(api, client):
    assert create(api).status_code == 201  # a draft only
    for domain in ("greenfield", "nowhere", "no.such.school.edu", "bad_host!", "x" * 300):
        answer = public(client, domain)
        assert answer.status_code == 404, domain
        assert answer.get_json()["code"] == "NOT_FOUND"
        assert {"error", "message", "timestamp", "requestId"} <= answer.get_json().keys()


def test_draft_edits_stay_off_the_public_site_until_published(api, client, db):
    site = create(api, isPublished=True).get_json()["site"]
    admin = api("admin")
    edited = admin.patch(
        f"/cms/sites/{site['id']}",
        json={"content": {"news": [{"title": "Secret draft", "publishedOn": "2026-05-01"}]}},
    )
    assert edited.status_code == 200, edited.get_json()
    draft = edited.get_json()["site"]
    assert draft["hasUnpublishedChanges"] is True
    assert draft["isPublished"] is True
    assert draft["content"]["news"][0]["title"] == "Secret draft"
    assert draft["content"]["staff"] == SITE["content"]["staff"]  # other sections kept
    assert "Secret draft" not in public(client, "greenfield").get_data(as_text=True)
    stored = db.cms_sites.find_one({"_id": mongo_id(site)})
    assert stored["published"]["content"]["news"][0]["title"] == "Science fair"
    published = admin.patch(f"/cms/sites/{site['id']}", json={"isPublished": True})
    assert published.get_json()["site"]["hasUnpublishedChanges"] is False
    assert public(client, "greenfield").get_json()["content"]["news"][0]["title"] == "Secret draft"
    offline = admin.patch(f"/cms/sites/{site['id']}", json={"isPublished": False})
    assert offline.get_json()["site"]["isPublished"] is False
    assert public(client, "greenfield").status_code == 404


def mongo_id(site):
    from bson import ObjectId

    return ObjectId(site["id"])


def test_public_reads_are_cached_and_every_site_write_invalidates_them(api, client, commands):
    site = create(api, isPublished=True).get_json()["site"]
    assert public(client, "greenfield").headers["X-Cache"] == "MISS"
    commands.clear()
    hit = public(client, "greenfield")
    assert hit.headers["X-Cache"] == "HIT"
    assert "cms_sites" not in commands.collections(), "a hit reads no site from MongoDB"
    changed = api("admin").patch(
        f"/cms/sites/{site['id']}",
        json={"content": {"about": {"heading": "New about"}}, "isPublished": True},
    )
    assert changed.status_code == 200
    fresh = public(client, "greenfield")
    assert fresh.headers["X-Cache"] == "MISS"
    assert fresh.get_json()["content"]["about"] == {"heading": "New about"}
    # An unknown host's cached 404 ends when a site takes that host.
    assert public(client, "lakeside").status_code == 404
    assert public(client, "lakeside").headers.get("X-Cache") is None  # an envelope, not a site
    create(api, school="b", subdomain="lakeside", isPublished=True)
    assert public(client, "lakeside").status_code == 200
    # Deleting a site takes it offline at once and frees its host name.
    assert api("admin").delete(f"/cms/sites/{site['id']}").status_code == 200
    assert public(client, "greenfield").status_code == 404
    assert api("admin").get("/cms/sites").get_json() == []


def test_an_etag_lets_a_browser_revalidate(api, client):
    create(api, isPublished=True)
    first = public(client, "greenfield")
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = public(client, "greenfield", {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_public_reads_work_from_mongodb_when_redis_fails(api, client, monkeypatch):
    import redis

    from educatenext.caching import generations

    create(api, isPublished=True)

    def broken(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(generations, "fetch_tokens", broken)
    answer = public(client, "greenfield")
    assert answer.status_code == 200
    assert answer.headers["X-Cache"] == "MISS"


@pytest.mark.parametrize("css", [
    "@import 'https://evil.test/x.css';",
    "@IMPORT url(x);",
    "body { background: url(https://evil.test/p.png) }",
    "body { background: u\\72l(https://evil.test/p.png) }",
    "body { background: ur/**/l(https://evil.test/p.png) }",
    "body { background-image: image-set('x.png' 1x) }",
    "</style><script>alert(1)</script>",
    "div { width: expression(alert(1)) }",
    "a { -moz-binding: x }",
])  # fmt: skip
def test_custom_css_that_could_load_or_inject_anything_is_refused(api, db, css):
    refused = create(api, customCSS=css)
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["details"][0]["field"] == "customCSS"
    assert "customCSS" in body["message"]
    assert db.cms_sites.count_documents({}) == 0


def test_plain_css_within_its_size_is_kept_and_larger_is_refused(api):
    assert create(api, customCSS="h1 { color: #123; content: '\\201C'; }").status_code == 201
    huge = api("admin", "b").post(
        "/cms/sites", json={**SITE, "subdomain": "other", "customCSS": "a{}" * 7000}
    )
    assert huge.status_code == 400


@pytest.mark.parametrize(("changes", "field"), [
    ({"content": {"staff": [{"name": "Kim", "email": "kim@school.test"}]}},
     "content.staff.0.email"),
    ({"content": {"staff": [{"name": "Kim"}] * 201}}, "content.staff"),
    ({"content": {"guestbook": []}}, "content.guestbook"),
    ({"content": {"header": {"navigation": [{"label": "x", "href": "javascript:alert(1)"}]}}},
     "content.header.navigation.0.href"),
    ({"content": {"header": {"logoUrl": "javascript:alert(1)"}}}, "content.header.logoUrl"),
    ({"template": "brutalist"}, "template"),
    ({"subdomain": "www"}, "subdomain"),
    ({"subdomain": "two.labels"}, "subdomain"),
    ({"customDomain": "not a host"}, "customDomain"),
    ({"seo": {"description": "x" * 321}}, "seo.description"),
    ({"owner": "me"}, "owner"),
])  # fmt: skip
def test_strict_schemas_refuse_what_a_site_may_not_hold(api, changes, field):
    refused = create(api, **changes)
    assert refused.status_code == 400, refused.get_json()
    assert field in {detail["field"] for detail in refused.get_json()["details"]}


def test_one_site_per_school_and_each_host_name_once(api, make_app):
    assert create(api, customDomain="www.greenfield.edu").status_code == 201
    second = create(api, subdomain="another")
    assert second.status_code == 409
    assert second.get_json()["code"] == "CONFLICT"
    taken = create(api, school="b")
    assert taken.status_code == 409
    assert taken.get_json()["details"][0]["field"] == "subdomain"
    domain_taken = create(api, school="b", subdomain="lakeside", customDomain="www.greenfield.edu")
    assert domain_taken.status_code == 409


def test_a_host_under_the_platforms_domain_is_its_subdomain(make_app):
    app = make_app(CMS_SITES_DOMAIN="schools.example.org")
    from educatenext.cms import service
    from educatenext.platform.http.errors import APIError

    with app.test_request_context():
        with pytest.raises(APIError) as refused:
            service._hosts({"customDomain": "greenfield.schools.example.org"})
        assert refused.value.status == 400


def test_the_platform_domain_finds_a_subdomain(api, client, app):
    app.config["CMS_SITES_DOMAIN"] = "schools.example.org"
    create(api, isPublished=True)
    assert public(client, "greenfield.schools.example.org").status_code == 200
    assert public(client, "a.b.schools.example.org").status_code == 404
    assert public(client, "greenfield.other.org").status_code == 404


def test_only_the_schools_admins_manage_its_site(api, client):
    site = create(api).get_json()["site"]
    path = f"/cms/sites/{site['id']}"
    for role in ("teacher", "student", "parent", "finance"):
        assert api(role).get(path).status_code == 403
    other = api("admin", "b")
    assert other.get(path).status_code == 404
    assert other.patch(path, json={"template": "classic"}).status_code == 404
    assert other.delete(path).status_code == 404
    assert other.get("/cms/sites").get_json() == []
    listed = api("admin").get("/cms/sites")
    assert [s["id"] for s in listed.get_json()] == [site["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert client.get("/api/v1/cms/sites").status_code == 401


def test_a_custom_domain_can_be_removed_and_writes_are_audited(api, client, db):
    site = create(api, customDomain="www.greenfield.edu", isPublished=True).get_json()["site"]
    removed = api("admin").patch(f"/cms/sites/{site['id']}", json={"customDomain": None})
    assert removed.status_code == 200
    assert "customDomain" not in db.cms_sites.find_one({"_id": mongo_id(site)})
    assert public(client, "www.greenfield.edu").status_code == 404
    assert public(client, "greenfield").status_code == 200
    actions = [e["action"] for e in db.audit_events.find({"resourceType": "cms_sites"})]
    assert len(actions) == 2


def test_two_saves_at_once_keep_both_admins_sections(api, db, monkeypatch):
    from educatenext.cms.repository import SiteRepository

    site = create(api).get_json()["site"]
    real_save = SiteRepository.save
    raced = []

    def save_after_another(self, current, changes, removed=()):
        if not raced:  # another admin's save of another section lands first
            raced.append(True)
            db.cms_sites.update_one(
                {"_id": current["_id"]},
                {"$set": {"content.about": {"heading": "Theirs"}}, "$inc": {"revision": 1}},
            )
        return real_save(self, current, changes, removed)

    monkeypatch.setattr(SiteRepository, "save", save_after_another)
    saved = api("admin").patch(
        f"/cms/sites/{site['id']}", json={"content": {"hero": {"heading": "Ours"}}}
    )
    assert saved.status_code == 200
    content = db.cms_sites.find_one({"_id": mongo_id(site)})["content"]
    assert content["about"] == {"heading": "Theirs"}
    assert content["hero"] == {"heading": "Ours"}


def test_a_site_that_keeps_changing_answers_409(api, monkeypatch):
    from educatenext.cms.repository import SiteRepository

    site = create(api).get_json()["site"]
    monkeypatch.setattr(SiteRepository, "save", lambda *args, **kwargs: None)
    changed = api("admin").patch(f"/cms/sites/{site['id']}", json={"template": "classic"})
    assert changed.status_code == 409


def test_public_reads_are_limited_per_client_address(make_app):
    app = make_app(RATELIMIT_PUBLIC_SITE="3 per minute")
    client = app.test_client()
    visitor = {"REMOTE_ADDR": "198.51.100.7"}
    answers = [client.get("/api/cms/public/x", environ_base=visitor) for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    other = client.get("/api/cms/public/x", environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 404
