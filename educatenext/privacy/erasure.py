"""Erasure: a student's personal data replaced by a tombstone everywhere it is stored.

What the school must keep stays, without the person: attendance statuses and dates, marks,
report-card figures, invoices and payments (financial records, kept under the retention rule
in docs/privacy.md) keep their student id, which now names a tombstone. Free text that could
name or describe the child (notes, remarks, submitted work) goes.

Erasing is idempotent, so the erasure log can be replayed after a backup is restored and a
request that failed half-way can simply be sent again.
"""

import json
from datetime import datetime
from pathlib import Path

import jwt
from flask import current_app

from educatenext.assignments.repository import SubmissionRepository
from educatenext.attendance.repository import AttendanceRepository
from educatenext.audit.recorder import write_event
from educatenext.auth.service import revoke_all_sessions
from educatenext.auth.tokens import decode_purpose_token, issue_purpose_token
from educatenext.caching.responses import drop_school_entries
from educatenext.grades.repository import GradeRepository, ReportCardRepository
from educatenext.idcards.repository import IdCardRepository
from educatenext.idempotency.repository import IdempotencyRepository
from educatenext.invitations.repository import InvitationRepository
from educatenext.mfa.repository import MfaFactorRepository
from educatenext.platform.http.errors import APIError, not_found
from educatenext.platform.mongo.repository import TenantScope
from educatenext.platform.values import parse_object_id, utcnow
from educatenext.privacy.repository import ErasureRepository
from educatenext.students.repository import StudentRepository
from educatenext.users.repository import UserRepository

ERASED_NAME = "Erased student"
ERASED_ACCOUNT = "Erased account"
CONFIRMATION_SECONDS = 600
STUDENT_TOMBSTONE = {
    "name": ERASED_NAME, "contactEmail": None, "contactPhone": None, "dateOfBirth": None,
    "guardianInfo": [], "emergencyContacts": [], "medicalNotes": None, "photoUrl": None,
    "nationalId": None, "birthCertificateNumber": None, "guardianUserIds": [],
    "status": "inactive",
}  # fmt: skip
# A stored replay of a request that showed the student (its Idempotency-Key is kept).
ERASED_RESPONSE = json.dumps({"message": "This response named an erased student."})


def confirmation(identity, student_id):
    """Step one: what an erasure would reach, and a short-lived token that confirms it."""
    student = _student(identity, student_id)
    token = issue_purpose_token({"_id": identity.user_id}, _purpose(student),
                                CONFIRMATION_SECONDS)  # fmt: skip
    return {
        "confirmationToken": token,
        "expiresInSeconds": CONFIRMATION_SECONDS,
        "studentId": student["_id"],
        "alreadyErased": bool(student.get("erasedAt")),
    }


def erase(identity, student_id, reason, token):
    """Step two: erase the student the token was issued for, by the admin it was issued to."""
    student = _student(identity, student_id)
    try:
        claims = decode_purpose_token(token, _purpose(student))
    except jwt.InvalidTokenError:
        claims = None
    if claims is None or claims["sub"] != str(identity.user_id):
        raise APIError(403, "FORBIDDEN", "The confirmation token is not valid for this erasure.")
    at = student.get("erasedAt") or utcnow()
    # Logged first: a request that fails half-way leaves the entry a replay (or a retry) finishes.
    ErasureRepository(identity.scope).record(student["_id"], identity.user_id, at)
    _append_to_log_file(identity.scope.institution_id, student["_id"], at)
    erased = apply_erasure(identity.scope, student["_id"], at)
    # The reason is the admin's words: kept in the event, never the erased data.
    write_event({"institutionId": identity.scope.institution_id, "action": "erase",
                 "resourceType": "students", "resourceIds": [student["_id"]],
                 "fields": sorted(erased), "values": {"reason": reason}})  # fmt: skip
    return {"studentId": student["_id"], "erasedAt": at, "erased": erased}


def apply_erasure(scope, student_id, at):
    """Tombstone one student's personal data in every collection; {what: documents changed}."""
    students, users = StudentRepository(scope), UserRepository(scope)
    changed = {}
    if students.update(student_id, {**STUDENT_TOMBSTONE, "erasedAt": at}) is not None:
        changed["students"] = 1
    accounts = users.find({"studentId": student_id}, projection={"_id": 1})
    for account in accounts:
        tombstone = {"name": ERASED_ACCOUNT, "status": "inactive",
                     "email": f"erased-{account['_id']}@erased.invalid"}  # fmt: skip
        users.update(account["_id"], tombstone)
        MfaFactorRepository(scope).remove(account["_id"])
        revoke_all_sessions(account["_id"], "erased")
    changed["accounts"] = len(accounts)
    for guardian in users.find({"childStudentIds": student_id}, projection={"_id": 1}):
        users.remove_from_list(guardian["_id"], "childStudentIds", student_id)
    text_fields = (
        ("attendance", AttendanceRepository(scope), {"notes": None}),
        ("reportCards", ReportCardRepository(scope), {"remarks": None}),
        ("submissions", SubmissionRepository(scope), {"content": None, "attachmentUrl": None}),
    )
    for name, repository, tombstone in text_fields:
        present = {"$or": [{field: {"$ne": None}} for field in tombstone]}
        changed[name] = repository.update_many({"studentId": student_id, **present}, tombstone)
    changed["grades"] = _erase_grade_remarks(GradeRepository(scope), student_id)
    changed["idCards"] = IdCardRepository(scope).update_many(
        {"recordId": student_id, "validUntil": {"$gt": at}}, {"validUntil": at}
    )
    changed["invitations"] = InvitationRepository(scope).update_many(
        {"studentId": student_id}, {"email": f"erased-{student_id}@erased.invalid", "revokedAt": at}
    )
    changed["idempotencyRecords"] = IdempotencyRepository(scope).replace_bodies_naming(
        str(student_id), ERASED_RESPONSE
    )
    changed["cachedResponses"] = drop_school_entries(scope.institution_id)
    return changed


def _erase_grade_remarks(grades, student_id):
    """Remarks on the student's grades and in their correction history."""
    changed = 0
    for grade in grades.find({"studentId": student_id},
                             projection={"remarks": 1, "history": 1}):  # fmt: skip
        history = [
            {**entry, "previous": {**entry["previous"], "remarks": None}}
            if (entry.get("previous") or {}).get("remarks") else entry
            for entry in grade.get("history") or []
        ]  # fmt: skip
        if grade.get("remarks") or history != (grade.get("history") or []):
            grades.update(grade["_id"], {"remarks": None, "history": history})
            changed += 1
    return changed


def replay_erasures(log_path=None):
    """After a restore: erase again every student in the restored log and in the log file.

    A backup taken before an erasure still holds the child's data; the log (kept outside the
    database in ERASURE_LOG_PATH, and inside it) is what re-applies it. Returns the count.
    """
    entries = {(e["institutionId"], e["studentId"]): e["at"]
               for e in ErasureRepository(TenantScope.platform_wide()).logged()}  # fmt: skip
    path = log_path or current_app.config["ERASURE_LOG_PATH"]
    if path and Path(path).is_file():
        for line in Path(path).read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                key = (parse_object_id(entry["institutionId"]), parse_object_id(entry["studentId"]))
                entries.setdefault(key, datetime.fromisoformat(entry["at"]))
    for (institution_id, student_id), at in sorted(entries.items(), key=lambda item: item[1]):
        scope = TenantScope.of(institution_id)
        ErasureRepository(scope).record(student_id, None, at)
        apply_erasure(scope, student_id, at)
    return len(entries)


def replayed_after_restore():
    """The restore step: replay the erasure log; a line for the operator."""
    return f"re-applied {replay_erasures()} erasure(s) from the erasure log"


def _append_to_log_file(institution_id, student_id, at):
    path = current_app.config["ERASURE_LOG_PATH"]
    if not path:
        return
    line = json.dumps({"institutionId": str(institution_id), "studentId": str(student_id),
                       "at": at.isoformat()})  # fmt: skip
    with open(path, "a", encoding="utf-8") as log_file:
        log_file.write(line + "\n")


def _student(identity, student_id):
    student = StudentRepository(identity.scope).get(student_id)
    if student is None:
        raise not_found("Student")
    return student


def _purpose(student):
    return f"erase:{student['_id']}"
