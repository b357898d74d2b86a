"""What a cached response was read from: whole collections, or one partition of a collection.

A dependency is a collection name ("attendance") or a partition of one
("attendance@<classroomId>"): the response read only that classroom's documents, so only
writes to that classroom (or writes whose classroom is unknown) make it stale. Every write
still replaces the collection's own token, so whatever read the collection as a whole goes
stale at once, as before.

Each endpoint's dependencies are learned per process to read their tokens in the request's
single round trip. A partition comes from the request (a path or query argument), so it is
learned as a template naming that argument ("attendance@view:classroom_id") and resolved
for each request; a partition the request does not name is learned as the whole collection.
"""

from educatenext.platform.values import parse_object_id

SEPARATOR = "@"


def partition(collection_name, value):
    """The dependency on one partition of a collection."""
    return f"{collection_name}{SEPARATOR}{value}"


def split(dependency):
    """(collection name, partition or None)."""
    name, _, part = dependency.partition(SEPARATOR)
    return name, part or None


def generalise(dependencies, req):
    """Dependencies read by this request, as templates that other requests can resolve."""
    learned = set()
    for dependency in dependencies:
        name, part = split(dependency)
        if part is None or ":" in part:
            learned.add(dependency)
            continue
        source = _argument_naming(part, req)
        learned.add(partition(name, source) if source else name)
    return learned


def _argument_naming(value, req):
    """'view:<name>' or 'arg:<name>' for the request argument equal to value, else None."""
    for name, given in (req.view_args or {}).items():
        if str(given).lower() == value:
            return f"view:{name}"
    for name, given in req.args.items():
        if given.lower() == value:
            return f"arg:{name}"
    return None


def resolve(templates, req):
    """Concrete dependencies for this request (a template without a valid value: the whole)."""
    concrete = set()
    for dependency in templates:
        name, part = split(dependency)
        if part is None or ":" not in part:
            concrete.add(dependency)
            continue
        kind, _, argument = part.partition(":")
        given = (req.view_args or {}).get(argument) if kind == "view" else req.args.get(argument)
        value = parse_object_id(given)
        concrete.add(partition(name, value) if value is not None else name)
    return tuple(sorted(concrete))


def covered(reads, dependencies):
    """Whether every read is accounted for by dependencies (a whole collection covers all of
    its partitions)."""
    known = set(dependencies)
    return all(read in known or split(read)[0] in known for read in reads)
