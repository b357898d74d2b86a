"""Reading the audit trail (it is written only through audit.recorder)."""

from educatenext.platform.mongo.repository import TenantRepository


class AuditEventRepository(TenantRepository):
    """Audit events of one institution; this repository has no write methods of its own."""

    collection_name = "audit_events"
    emits_write_events = False  # bookkeeping, not a business event

    def _append_only(self, *args, **kwargs):
        """Events are written only by audit.recorder and never changed."""
        raise PermissionError("the audit trail is append-only")

    insert = insert_many = update = update_many = _append_only
