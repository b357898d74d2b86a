"""Contract pagination: bare JSON arrays with totals and links in headers."""

import json
import math
from urllib.parse import urlencode

from flask import current_app, request


def page_window(args):
    """Resolve (page, limit) from parsed query args, applying the configured default and cap."""
    limit = args.get("limit") or current_app.config["PAGINATION_DEFAULT_LIMIT"]
    limit = min(limit, current_app.config["PAGINATION_MAX_LIMIT"])
    return args.get("page", 1), limit


def pagination_headers(total, page, limit):
    """X-Total-Count, X-Pagination and an RFC 8288 Link header for this page."""
    last_page = max(1, math.ceil(total / limit))

    def url_for_page(number):
        params = request.args.to_dict(flat=False)
        params["page"] = [str(number)]
        params["limit"] = [str(limit)]
        return f"{request.base_url}?{urlencode(params, doseq=True)}"

    links = [f'<{url_for_page(1)}>; rel="first"', f'<{url_for_page(last_page)}>; rel="last"']
    if page > 1:
        links.append(f'<{url_for_page(min(page - 1, last_page))}>; rel="prev"')
    if page < last_page:
        links.append(f'<{url_for_page(page + 1)}>; rel="next"')
    meta = {"total": total, "page": page, "limit": limit, "totalPages": last_page}
    return {
        "X-Total-Count": str(total),
        "X-Pagination": json.dumps(meta, separators=(",", ":")),
        "Link": ", ".join(links),
    }
