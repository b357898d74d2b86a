"""Canonical roles and the legacy names older tokens and documents carry."""

SUPER_ADMIN = "super_admin"
ADMIN = "admin"
TEACHER = "teacher"
STUDENT = "student"
PARENT = "parent"
FINANCE = "finance"
CASHIER = "cashier"

ROLES = (SUPER_ADMIN, ADMIN, TEACHER, STUDENT, PARENT, FINANCE, CASHIER)
INSTITUTION_ROLES = tuple(role for role in ROLES if role != SUPER_ADMIN)
STAFF_ROLES = (ADMIN, TEACHER, FINANCE, CASHIER)

LEGACY_ROLES = {
    "administrator": ADMIN,
    "accountant": FINANCE,
    "super admin": SUPER_ADMIN,
    "superadmin": SUPER_ADMIN,
}


def canonical_role(name):
    """Map any accepted spelling (e.g. 'Administrator', 'Teacher') to a canonical role or None."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower().replace("-", " ")
    key = LEGACY_ROLES.get(key, key.replace(" ", "_"))
    return key if key in ROLES else None
