"""Account links written on one side only are written on both (or dropped when they dangle).

Before this, POST /users, PATCH /users and invitations wrote a student account's studentId and
a parent's childStudentIds on the user only, while row-level visibility reads student.userId
and student.guardianUserIds. This mirrors every link found on either side onto the other, in
the same school and for the right role; a link naming a record or account that does not exist
(or is in another school) is removed. A record claimed by two accounts keeps the one already on
the record and the other account's studentId is cleared. Running it again changes nothing;
`make migrate DRY_RUN=1` prints the counts it would change.
"""

from collections import Counter

STUDENT, PARENT = "student", "parent"


def _links(db):
    """Every change needed, as (collection, filter, update, kind) tuples."""
    users = {
        user["_id"]: user
        for user in db.users.find(
            {"role": {"$in": [STUDENT, PARENT, "Student", "Parent"]}},
            {"role": 1, "institutionId": 1, "studentId": 1, "childStudentIds": 1},
        )
    }
    students = {
        student["_id"]: student
        for student in db.students.find({}, {"institutionId": 1, "userId": 1, "guardianUserIds": 1})
    }

    def role(user):
        return str(user.get("role", "")).lower()

    def same_school(user, student):
        return user["institutionId"] == student["institutionId"]

    changes = []
    for student in students.values():
        account = users.get(student.get("userId")) if student.get("userId") else None
        if student.get("userId") is not None:
            if account is None or role(account) != STUDENT or not same_school(account, student):
                changes.append(("students", {"_id": student["_id"]}, {"$set": {"userId": None}},
                                "dangling record accounts removed"))  # fmt: skip
            elif account.get("studentId") != student["_id"]:
                changes.append(("users", {"_id": account["_id"]},
                                {"$set": {"studentId": student["_id"]}},
                                "account studentIds written"))  # fmt: skip
                account["studentId"] = student["_id"]
        for guardian_id in student.get("guardianUserIds") or []:
            parent = users.get(guardian_id)
            if parent is None or role(parent) != PARENT or not same_school(parent, student):
                changes.append(("students", {"_id": student["_id"]},
                                {"$pull": {"guardianUserIds": guardian_id}},
                                "dangling guardians removed"))  # fmt: skip
            elif student["_id"] not in (parent.get("childStudentIds") or []):
                changes.append(("users", {"_id": guardian_id},
                                {"$addToSet": {"childStudentIds": student["_id"]}},
                                "parent children written"))  # fmt: skip
                parent.setdefault("childStudentIds", []).append(student["_id"])
    for user in users.values():
        record_id = user.get("studentId")
        if record_id is not None:
            record = students.get(record_id)
            if role(user) != STUDENT or record is None or not same_school(user, record):
                changes.append(("users", {"_id": user["_id"]}, {"$set": {"studentId": None}},
                                "dangling account studentIds removed"))  # fmt: skip
            elif record.get("userId") is None:
                changes.append(("students", {"_id": record_id, "userId": None},
                                {"$set": {"userId": user["_id"]}},
                                "record userIds written"))  # fmt: skip
                record["userId"] = user["_id"]
            elif record["userId"] != user["_id"]:
                changes.append(("users", {"_id": user["_id"]}, {"$set": {"studentId": None}},
                                "second accounts of a record unlinked"))  # fmt: skip
        for child_id in user.get("childStudentIds") or []:
            record = students.get(child_id)
            if role(user) != PARENT or record is None or not same_school(user, record):
                changes.append(("users", {"_id": user["_id"]},
                                {"$pull": {"childStudentIds": child_id}},
                                "dangling children removed"))  # fmt: skip
            elif user["_id"] not in (record.get("guardianUserIds") or []):
                changes.append(("students", {"_id": child_id},
                                {"$addToSet": {"guardianUserIds": user["_id"]}},
                                "record guardians written"))  # fmt: skip
    return changes


def plan(db):
    """What up(db) would change, counted by kind."""
    counts = Counter(kind for *_, kind in _links(db))
    return dict(sorted(counts.items())) or {"links to repair": 0}


def up(db):
    """Write every one-sided link on its other side; remove dangling ones."""
    for collection, filter_, update, _ in _links(db):
        db[collection].update_one(filter_, update)


def down(db):
    """Nothing to undo: both sides now say what one side said before."""
