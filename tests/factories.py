"""Builders for what tests create: the one place that knows a valid student, classroom, user.

Each returns a fresh dict (an API payload, or a service's input) with sensible defaults;
keyword arguments override or add fields, so a test names only what it is about.
"""

from educatenext.auth.identity import Identity

PASSWORD = "Correct-Horse-Battery-42"
ROLES_IN_SCHOOL = ("admin", "teacher", "student", "parent", "finance", "cashier")


def student(name="Sam Student", **fields):
    """A student record as POST /students takes it."""
    return {"name": name, "admissionYear": 2025, **fields}


def classroom(name="Grade 5 A", **fields):
    """A classroom as POST /classrooms takes it."""
    return {"name": name, "academicYear": "2025-2026", "capacity": 30, **fields}


def subject(name="Mathematics", code="MATH", **fields):
    """A subject as POST /subjects takes it."""
    return {"name": name, "code": code, **fields}


def user(role, school, **fields):
    """A user of a school (a, b, ...) as POST /users takes it: role@school.test, PASSWORD."""
    return {
        "name": f"{role.title()} {school.upper()}",
        "email": f"{role}@{school}.test",
        "password": PASSWORD,
        "role": role,
        **fields,
    }


def admin_identity(school):
    """An Identity for a school's admin (the world fixture's), to call services directly."""
    admin = school["admin"]
    return Identity(
        user_id=admin["_id"], institution_id=admin["institutionId"], role="admin",
        name=admin["name"], email=admin["email"], session_id=admin["_id"],
    )  # fmt: skip
