"""Subject access: everything the school holds about one student, as one streamed document.

The export is a JSON object whose sections are filled from cursors while the response is
written, so a student with years of attendance costs no more memory than one with a week.
"""

import base64
import json
from datetime import date, datetime

from bson import Decimal128, ObjectId

from educatenext.assignments.repository import SubmissionRepository
from educatenext.attendance.repository import AttendanceRepository
from educatenext.audit.recorder import write_event
from educatenext.audit.repository import AuditEventRepository
from educatenext.enrollments.repository import EnrollmentRepository
from educatenext.fees.repository import InvoiceRepository, PaymentRepository
from educatenext.grades.repository import GradeRepository, ReportCardRepository
from educatenext.idcards.repository import IdCardRepository
from educatenext.platform.values import utcnow
from educatenext.students.service import get_student
from educatenext.users.repository import UserRepository

FORMAT_VERSION = 1
CHUNK_BYTES = 64 * 1024
ID_BATCH = 500
# An account's identity and state; never its password hash, tokens or MFA secret.
ACCOUNT_FIELDS = {"name": 1, "email": 1, "role": 1, "status": 1, "studentId": 1,
                  "createdAt": 1, "updatedAt": 1, "lastLoginAt": 1}  # fmt: skip
GUARDIAN_FIELDS = dict.fromkeys(("name", "email", "role", "status"), 1)
# Attendance by day (its student index supplies the order); other sections come in the
# order of their student index.
BY_DATE = [("date", 1)]


def export(identity, student_id):
    """(file name, chunks) of a student's data export; 404 unless the caller may see them.

    The export itself is an audit event (who asked, for whom), written before any data goes.
    """
    student = get_student(identity, student_id)
    write_event({"institutionId": identity.scope.institution_id, "action": "export",
                 "resourceType": "students", "resourceIds": [student["_id"]], "fields": [],
                 "values": {}})  # fmt: skip
    header = {"format": "educatenext.student-export", "version": FORMAT_VERSION,
              "exportedAt": utcnow(), "student": student}  # fmt: skip
    return f"student-{student['_id']}.json", _chunks(header, sections(identity, student))


def sections(identity, student):
    """(name, documents) of each section, each a lazy stream."""
    scope, sid = identity.scope, student["_id"]
    users = UserRepository(scope)
    holders = {user["_id"] for user in users.find({"studentId": sid}, projection={"_id": 1})}
    holders |= {student["userId"]} if student.get("userId") else set()
    seen = []  # ids of the records exported, for the events about them (ids only: small)
    streams = {
        "accounts": users.stream({"studentId": sid}, projection=ACCOUNT_FIELDS),
        "guardianAccounts": users.stream({"childStudentIds": sid}, projection=GUARDIAN_FIELDS),
        "enrollments": EnrollmentRepository(scope).stream({"studentId": sid}),
        "attendance": AttendanceRepository(scope).stream({"studentId": sid}, sort=BY_DATE),
        "grades": GradeRepository(scope).stream({"studentId": sid}),
        "reportCards": ReportCardRepository(scope).stream({"studentId": sid}),
        "submissions": SubmissionRepository(scope).stream({"studentId": sid}),
        "idCards": IdCardRepository(scope).stream({"userId": {"$in": sorted(holders)}}),
        "invoices": InvoiceRepository(scope).stream({"studentId": sid}),
        "payments": PaymentRepository(scope).stream({"studentId": sid}),
    }
    for name, documents in streams.items():
        yield name, _noting_ids(documents, seen)
    yield "auditEvents", _events_about(AuditEventRepository(scope), sid, seen)


def _noting_ids(documents, seen):
    for document in documents:
        seen.append(document["_id"])
        yield document


def _events_about(audit, student_id, record_ids):
    """Events on the student's record, creations of records of theirs (also since deleted),
    then changes to the records exported."""
    yield from audit.stream({"resourceIds": student_id})
    yield from audit.stream({"values.studentId": student_id})
    for start in range(0, len(record_ids), ID_BATCH):
        batch = record_ids[start : start + ID_BATCH]
        for event in audit.stream({"resourceIds": {"$in": batch}}):
            if event.get("values", {}).get("studentId") != student_id:  # not sent above
                yield event


def _chunks(header, sections_):
    """The export's JSON text in chunks of about CHUNK_BYTES."""
    buffer = [json.dumps(header, default=_plain, separators=(",", ":"))[:-1]]
    size = len(buffer[0])
    for name, documents in sections_:
        buffer.append(f',"{name}":[')
        first = True
        for document in documents:
            text = json.dumps(document, default=_plain, separators=(",", ":"))
            buffer.append(text if first else "," + text)
            first, size = False, size + len(text) + 1
            if size >= CHUNK_BYTES:
                yield "".join(buffer)
                buffer, size = [], 0
        buffer.append("]")
    buffer.append("}")
    yield "".join(buffer)


def _plain(value):
    """JSON for BSON values: ids as hex, times as ISO 8601 UTC, bytes as base64."""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not exportable")
