"""Reference apps for `make bench`, served by the same gunicorn settings as the API.

- bare:  a Flask endpoint returning a ~300-byte JSON document (the ceiling);
- raw:   the students-by-classroom page issued with plain pymongo (find + count, no auth,
         no validation, no cache), so the API's uncached read can be compared with the driver.
"""

import json
import os

from bson import ObjectId
from flask import Flask, Response, request
from pymongo import MongoClient

bare = Flask("bare")
PAYLOAD = json.dumps(
    {
        "_id": "6650f0c2a1b2c3d4e5f60718",
        "id": "6650f0c2a1b2c3d4e5f60718",
        "name": "Amina Okafor",
        "generatedId": "S2025-00042",
        "admissionYear": 2025,
        "status": "active",
        "classroomId": {"_id": "6650f0c2a1b2c3d4e5f60719", "name": "Grade 5 A"},
        "padding": "x" * 60,
    }
)


@bare.get("/ping")
def ping():
    """The ceiling: routing plus a JSON response."""
    return Response(PAYLOAD, content_type="application/json")


raw = Flask("raw")
_client = {}


@bare.get("/health")
@raw.get("/health")
def health():
    """Readiness probe for the benchmark's start-up wait."""
    return {"status": "ok"}


def database():
    """One client per worker process, created after fork."""
    pid = os.getpid()
    if pid not in _client:
        _client.clear()
        _client[pid] = MongoClient(os.environ["MONGO_URI"], maxPoolSize=10, tz_aware=True)
    return _client[pid][os.environ.get("MONGO_DB_NAME", "educatenext")]


@raw.get("/raw/students")
def raw_students():
    """The same query shape the API sends for GET /students?classroomId=..&limit=50."""
    query = {
        "institutionId": ObjectId(request.args["institutionId"]),
        "classroomId": ObjectId(request.args["classroomId"]),
    }
    db = database()
    cursor = db.students.find(query, {"name": 1, "generatedId": 1, "admissionYear": 1,
                                      "classroomId": 1, "status": 1})  # fmt: skip
    items = list(cursor.sort([("nameLower", 1), ("_id", 1)]).limit(50))
    # As the API's repositories do: a short first page is the total; only a full one counts.
    total = len(items) if len(items) < 50 else db.students.count_documents(query)
    body = json.dumps([{**item, "_id": str(item["_id"]), "classroomId": str(item["classroomId"])}
                       for item in items])  # fmt: skip
    return Response(body, content_type="application/json", headers={"X-Total-Count": str(total)})
