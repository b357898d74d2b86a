"""Reading the audit trail: admins see their institution's events."""

from educatenext.audit.repository import AuditEventRepository
from educatenext.platform.http.listing import add_range


def list_events(identity, args, page, limit):
    """(events, total), newest first, filtered by one indexed key and a time range."""
    query = {}
    if args.get("resourceId") is not None:
        query["resourceIds"] = args["resourceId"]
    elif args.get("actorId") is not None:
        query["actorId"] = args["actorId"]
    elif args.get("resourceType"):
        query["resourceType"] = args["resourceType"]
    if args.get("action"):
        query["action"] = args["action"]
    add_range(query, "at", args.get("since"), args.get("until"))
    return AuditEventRepository(identity.scope).page(
        query, sort=args["sort_spec"], page=page, limit=limit
    )
