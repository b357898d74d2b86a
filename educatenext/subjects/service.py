"""Subject rules: codes unique per institution; archived, never deleted."""

from educatenext.platform.http.errors import not_found
from educatenext.subjects.repository import SubjectRepository


def create_subject(identity, payload):
    """Create a subject (a duplicate code answers 409 from the unique index)."""
    return SubjectRepository(identity.scope).insert({"status": "active", **payload})


def list_subjects(identity, args, page, limit):
    """(subjects, total) for one page."""
    repository = SubjectRepository(identity.scope)
    query = repository.list_filter(status=args.get("status"), name_prefix=args.get("q"))
    return repository.page(query, sort=args["sort_spec"], page=page, limit=limit)


def get_subject(identity, subject_id):
    """One subject of the caller's institution, or 404."""
    subject = SubjectRepository(identity.scope).get(subject_id)
    if subject is None:
        raise not_found("Subject")
    return subject


def update_subject(identity, subject_id, changes):
    """Apply allowed changes."""
    subject = get_subject(identity, subject_id)
    return SubjectRepository(identity.scope).update(subject["_id"], changes)
