"""A registry of query shapes fed by the repository base (values replaced, one example kept)."""

import json
import threading
from dataclasses import dataclass, field

from flask import current_app, has_app_context

from educatenext.platform.mongo.monitoring import query_shape

MAX_SHAPES = 1000


@dataclass
class Shape:
    """One query shape and the last concrete query seen with it."""

    collection: str
    kind: str  # find | count | aggregate | write (a write's filter)
    shape: str
    example: dict
    seen: int = 0
    origins: set = field(default_factory=set)


class QueryShapeRegistry:
    """Thread-safe, bounded; recording is on when the app enables it (not in production)."""

    def __init__(self):
        self.shapes = {}
        self.lock = threading.Lock()

    def record(self, collection, kind, example):
        """Remember a query (find: filter/sort/limit; count: filter; aggregate: pipeline)."""
        if not has_app_context() or not current_app.config.get("QUERY_SHAPE_REGISTRY"):
            return
        shape = json.dumps(query_shape(example), sort_keys=True, default=str)
        key = (collection, kind, shape)
        with self.lock:
            entry = self.shapes.get(key)
            if entry is None:
                if len(self.shapes) >= MAX_SHAPES:
                    return
                entry = self.shapes[key] = Shape(collection, kind, shape, example)
            entry.example = example
            entry.seen += 1

    def snapshot(self):
        """The shapes recorded so far."""
        with self.lock:
            return list(self.shapes.values())

    def clear(self):
        """Forget everything (tests, tours)."""
        with self.lock:
            self.shapes.clear()


QUERY_SHAPES = QueryShapeRegistry()
