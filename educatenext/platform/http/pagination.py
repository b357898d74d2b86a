"""Contract pagination: bare JSON arrays with totals and links in headers."""

import json
import math
from urllib.parse import urlencode

from flask import current_app, request

# Set by the /api alias middleware: the request came in on the unversioned, legacy path.
LEGACY_ALIAS = "educatenext.legacy_alias"


def page_window(args):
    """Resolve (page, limit) from parsed query args, applying the configured default and cap.

    On the legacy /api alias a request naming neither page nor limit gets the whole list up to
    LEGACY_LIST_CAP: the web dashboard counts array lengths and never pages.
    """
    if wants_whole_list():
        return 1, current_app.config["LEGACY_LIST_CAP"]
    limit = args.get("limit") or current_app.config["PAGINATION_DEFAULT_LIMIT"]
    limit = min(limit, current_app.config["PAGINATION_MAX_LIMIT"])
    return args.get("page", 1), limit


def wants_whole_list(req=None):
    """A legacy-alias request without page or limit."""
    req = req or request
    return bool(req.environ.get(LEGACY_ALIAS)) and not ({"page", "limit"} & req.args.keys())


def computed_page(items, args):
    """One page of an already bounded, computed list (a report's rows) with list headers."""
    page, limit = page_window(args)
    start = (page - 1) * limit
    return items[start : start + limit], 200, pagination_headers(len(items), page, limit)


def pagination_headers(total, page, limit):
    """X-Total-Count, X-Pagination and an RFC 8288 Link header for this page."""
    last_page = max(1, math.ceil(total / limit))
    meta = {"total": total, "page": page, "limit": limit, "totalPages": last_page}
    if wants_whole_list():
        # Links name /api/v1 pages (a whole list's limit is beyond the paged maximum).
        limit = current_app.config["PAGINATION_MAX_LIMIT"]
        next_page = meta["limit"] // limit + 1 if total > meta["limit"] else None
        page, last_page = None, max(1, math.ceil(total / limit))
    else:
        next_page = page + 1 if page < last_page else None

    def url_for_page(number):
        params = request.args.to_dict(flat=False)
        params["page"] = [str(number)]
        params["limit"] = [str(limit)]
        return f"{request.base_url}?{urlencode(params, doseq=True)}"

    links = [f'<{url_for_page(1)}>; rel="first"', f'<{url_for_page(last_page)}>; rel="last"']
    if page is not None and page > 1:
        links.append(f'<{url_for_page(min(page - 1, last_page))}>; rel="prev"')
    if next_page is not None:
        links.append(f'<{url_for_page(next_page)}>; rel="next"')
    return {
        "X-Total-Count": str(total),
        "X-Pagination": json.dumps(meta, separators=(",", ":")),
        "Link": ", ".join(links),
    }
