"""Deterministic school data with realistic distributions, written in bulk.

Everything, ObjectIds included, comes from one random.Random(seed): the same options give the
same database. Attendance covers the last `days` weekdays up to today; most students attend
~96% of days, about one in ten is chronically absent (15-30%).
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from educatenext.auth.passwords import hash_password
from educatenext.fees.balances import summary_documents
from educatenext.fees.money import billed_lines
from educatenext.grades.scale import GRADE_TYPES, grade_for, percentage
from educatenext.seed.repository import SeedRepository

FIRST_NAMES = [
    "Amina",
    "Ben",
    "Carla",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Bauer",
    "Chen",
    "Diaz",
    "Eze",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kim",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Silva",
    "Tanaka",
    "Umar",
    "Vargas",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]
SUBJECTS = (
    "Mathematics",
    "English",
    "Science",
    "History",
    "Geography",
    "Art",
    "Music",
    "Physical Education",
    "Computing",
    "French",
    "Biology",
    "Chemistry",
)
ACADEMIC_YEAR = "2025-2026"
YEAR_START = datetime(2025, 9, 1, tzinfo=UTC)


@dataclass
class SeedOptions:
    """What to generate per institution."""

    institutions: int = 1
    students: int = 1000
    class_size: int = 40
    subjects: int = 8
    days: int = 180
    grades_per_student: int = 8
    seed: int = 42
    password: str = "Seeded-School-Passphrase-1"  # noqa: S105 - documented dev/bench login


def weekdays_until(today, count):
    """The last `count` weekdays up to and including today, as UTC midnights."""
    days, day = [], today
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def classroom_name(index):
    """Grade 1 A ... Grade 12 Z, then numbered: unique for any number of rooms."""
    section = chr(65 + index // 12 % 26)
    return f"Grade {index % 12 + 1} {section}{index // 312 or ''}"


class Generator:
    """Builds and writes one dataset."""

    def __init__(self, options, progress_factory):
        self.options = options
        # Not for secrets: reproducible synthetic data is the point.
        self.rng = random.Random(options.seed)  # noqa: S311
        self.repo = SeedRepository()
        self.progress_factory = progress_factory
        self.now = datetime.now(UTC).replace(microsecond=0)
        midnight = self.now.replace(hour=0, minute=0, second=0)
        self.days = weekdays_until(midnight, options.days)
        self.password_hash = hash_password(options.password)
        self.summary = {}

    def oid(self):
        """A deterministic ObjectId."""
        return ObjectId(self.rng.randbytes(12))

    def name(self):
        """A person's name."""
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def stamp(self, document):
        """Common fields."""
        document.setdefault("createdAt", self.now)
        document.setdefault("updatedAt", self.now)
        if isinstance(document.get("name"), str):
            document["nameLower"] = document["name"].lower()
        return document

    def write(self, collection, documents, label, total):
        """Insert with a progress bar."""
        with self.progress_factory(length=total, label=label.ljust(22)) as bar:
            self.repo.insert(collection, documents, bar.update)
        self.summary[collection] = self.summary.get(collection, 0) + total

    def run(self):
        """Generate every institution; returns {collection: documents written}."""
        used = self.repo.institution_codes()
        number = 0
        for _ in range(self.options.institutions):
            while f"seed-{number}" in used:
                number += 1
            self.institution(number)
            number += 1
        return self.summary

    def institution(self, number):
        """One school with staff, classes, students, a year of attendance and grades."""
        options = self.options
        # One stream per school: adding a school later never repeats another's ids.
        self.rng = random.Random(f"{options.seed}:{number}")  # noqa: S311
        institution_id = self.oid()
        domain = f"school{number}.seed.test"
        self.write(
            "institutions",
            [
                self.stamp(
                    {
                        "_id": institution_id,
                        "institutionId": institution_id,
                        "name": f"Seed School {number}",
                        "code": f"seed-{number}",
                        "currency": "USD",
                        "status": "active",
                    }
                )
            ],
            "institution",
            1,
        )
        staff = [self.user(institution_id, role, f"{role}@{domain}", f"Seed {role.title()}")
                 for role in ("admin", "finance", "cashier")]  # fmt: skip
        self.write("users", staff, "admin, finance, cashier", len(staff))
        subjects = [
            self.stamp(
                {
                    "_id": self.oid(),
                    "institutionId": institution_id,
                    "name": name,
                    "code": name[:4].upper() + str(index),
                    "status": "active",
                }
            )
            for index, name in enumerate(SUBJECTS[: options.subjects])
        ]
        self.write("subjects", subjects, "subjects", len(subjects))
        rooms = max(1, -(-options.students // options.class_size))
        classrooms, teachers, teacher_users = [], [], []
        for index in range(rooms):
            classroom_id, teacher_id, user_id = self.oid(), self.oid(), self.oid()
            teacher_name = self.name()
            email = f"teacher{index}@{domain}"
            teacher_users.append(
                self.user(
                    institution_id,
                    "teacher",
                    email,
                    teacher_name,
                    _id=user_id,
                    classroomIds=[classroom_id],
                )
            )
            teachers.append(
                self.stamp(
                    {
                        "_id": teacher_id,
                        "institutionId": institution_id,
                        "userId": user_id,
                        "employeeId": f"T-{index:04d}",
                        "name": teacher_name,
                        "email": email,
                        "subjectIds": [
                            s["_id"] for s in self.rng.sample(subjects, min(2, len(subjects)))
                        ],
                        "classroomIds": [classroom_id],
                        "qualifications": [],
                        "status": "active",
                    }
                )
            )
            classrooms.append(
                self.stamp(
                    {
                        "_id": classroom_id,
                        "institutionId": institution_id,
                        "name": classroom_name(index),
                        "academicYear": ACADEMIC_YEAR,
                        "capacity": options.class_size,
                        "enrolledCount": 0,
                        "primaryTeacherId": teacher_id,
                        "teacherUserIds": [user_id],
                        "subjectIds": [s["_id"] for s in subjects],
                        "status": "active",
                    }
                )
            )
        self.write("users", teacher_users, "teacher accounts", rooms)
        self.write("teachers", teachers, "teachers", rooms)
        students, student_users, enrollments = [], [], []
        for index in range(options.students):
            classroom = classrooms[index // options.class_size]
            classroom["enrolledCount"] += 1
            student_id, user_id = self.oid(), self.oid()
            name = self.name()
            students.append(
                self.stamp(
                    {
                        "_id": student_id,
                        "institutionId": institution_id,
                        "name": name,
                        "admissionYear": 2025,
                        "generatedId": f"S2025-{index + 1:05d}",
                        "classroomId": classroom["_id"],
                        "userId": user_id,
                        "guardianUserIds": [],
                        "guardianInfo": [],
                        "emergencyContacts": [],
                        "feeCategory": "sibling" if index % 10 == 9 else None,
                        "status": "active",
                        # Chronic absence is rare but real: its propensity rides along (not stored).
                        "_absence": self.rng.uniform(0.15, 0.3)
                        if self.rng.random() < 0.1
                        else self.rng.uniform(0.0, 0.06),
                    }
                )
            )
            student_users.append(
                self.user(
                    institution_id,
                    "student",
                    f"student{index}@{domain}",
                    name,
                    _id=user_id,
                    studentId=student_id,
                )
            )
            enrollments.append(
                self.stamp(
                    {
                        "_id": self.oid(),
                        "institutionId": institution_id,
                        "studentId": student_id,
                        "classroomId": classroom["_id"],
                        "academicYear": ACADEMIC_YEAR,
                        "status": "active",
                        "startDate": YEAR_START,
                        "endDate": None,
                        "reason": None,
                    }
                )
            )
        self.write("classrooms", classrooms, "classrooms", rooms)
        self.write(
            "active_classrooms",
            [self.stamp({"_id": self.oid(), "institutionId": institution_id,
                         "classroomIds": [c["_id"] for c in classrooms]})],
            "active classrooms",
            1,
        )  # fmt: skip
        absence = {s["_id"]: s.pop("_absence") for s in students}
        self.write("students", students, "students", len(students))
        self.write("users", student_users, "student accounts", len(students))
        self.write("enrollments", enrollments, "enrollments", len(students))
        self.repo.set_counter(institution_id, "students:2025", options.students)
        total = len(students) * len(self.days)
        self.write(
            "attendance",
            self.attendance(institution_id, students, absence, teacher_users),
            "attendance",
            total,
        )
        taken = sorted({student["classroomId"] for student in students})
        self.write(
            "attendance_days",
            ({"_id": self.oid(), "institutionId": institution_id, "date": day,
              "classroomIds": taken, "createdAt": day} for day in self.days),
            "attendance days",
            len(self.days),
        )  # fmt: skip
        total = len(students) * options.grades_per_student
        self.write(
            "grades",
            self.grades(institution_id, students, subjects, teacher_users),
            "grades",
            total,
        )
        self.fees(institution_id, students, cashier=staff[2]["_id"])

    def fees(self, institution_id, students, cashier):
        """One year's fee structure, an issued invoice per student, payments on most.

        About half the students have paid in full, a quarter in part, the rest nothing: the
        outstanding report has every kind of balance to age.
        """
        heads = [{"code": "tuition", "name": "Tuition", "amountMinor": 120_000,
                  "categoryAmounts": {"sibling": 108_000}},
                 {"code": "transport", "name": "Bus", "amountMinor": 20_000}]  # fmt: skip
        dues = [YEAR_START + timedelta(days=14 + 120 * n) for n in range(3)]
        total = sum(head["amountMinor"] for head in heads)
        structure = self.stamp({
            "_id": self.oid(), "institutionId": institution_id, "name": f"Fees {ACADEMIC_YEAR}",
            "academicYear": ACADEMIC_YEAR, "classroomIds": [], "currency": "USD", "heads": heads,
            "totalMinor": total, "instalments": [{"dueDate": due} for due in dues],
            "lateFee": {"amountMinor": 2_500, "graceDays": 14}, "status": "active",
        })  # fmt: skip
        self.write("fee_structures", [structure], "fee structures", 1)
        invoices, payments = [], []
        for number, student in enumerate(students, 1):
            category = student.get("feeCategory")
            lines = billed_lines(heads, category)
            total = sum(line["amountMinor"] for line in lines)
            shares = [total - 2 * (total // 3), total // 3, total // 3]
            roll = self.rng.random()
            paid = total if roll < 0.5 else shares[0] if roll < 0.75 else 0
            invoice_id = self.oid()
            status = "paid" if paid == total else "partially_paid" if paid else "issued"
            invoices.append(self.stamp({
                "_id": invoice_id, "institutionId": institution_id, "number": f"INV-{number:06d}",
                "structureId": structure["_id"], "studentId": student["_id"],
                "classroomId": student["classroomId"], "academicYear": ACADEMIC_YEAR,
                "feeCategory": category, "currency": "USD", "lines": lines, "discounts": [],
                "totalMinor": total,
                "paidMinor": paid, "status": status, "issuedAt": YEAR_START,
                "instalments": [{"dueDate": due, "amountMinor": share}
                                for due, share in zip(dues, shares, strict=True)],
                "dueDate": dues[0],
            }))  # fmt: skip
            if paid:
                day = self.rng.choice(self.days)
                payments.append({
                    "_id": self.oid(), "institutionId": institution_id, "kind": "payment",
                    "invoiceId": invoice_id, "studentId": student["_id"], "amountMinor": paid,
                    "currency": "USD", "method": self.rng.choice(("cash", "card", "bank_transfer")),
                    "reference": f"SEED-{number}", "receiptNumber": f"R-{len(payments) + 1:06d}",
                    "receivedBy": cashier, "createdAt": day, "updatedAt": day,
                    "day": f"{day:%Y-%m-%d}", "month": f"{day:%Y-%m}",
                })  # fmt: skip
        self.write("invoices", invoices, "invoices", len(invoices))
        balances = summary_documents(institution_id, invoices, YEAR_START)
        self.write("outstanding_balances", balances, "outstanding balances", len(balances))
        self.write("payments", payments, "payments", len(payments))
        self.repo.set_counter(institution_id, "invoice", len(invoices))
        self.repo.set_counter(institution_id, "receipt", len(payments))

    def user(self, institution_id, role, email, name, **extra):
        """An active account with the seed password."""
        return self.stamp(
            {
                "_id": extra.pop("_id", None) or self.oid(),
                "institutionId": institution_id,
                "role": role,
                "email": email,
                "name": name,
                "status": "active",
                "passwordHash": self.password_hash,
                "studentId": extra.pop("studentId", None),
                "childStudentIds": [],
                "classroomIds": extra.pop("classroomIds", []),
                **extra,
            }
        )

    def attendance(self, institution_id, students, absence, teacher_users):
        """One record per student per day; absences cluster on the chronically absent."""
        markers = {u["classroomIds"][0]: u["_id"] for u in teacher_users}
        for day in self.days:
            for student in students:
                roll = self.rng.random()
                rate = absence[student["_id"]]
                if roll < rate:
                    status = "absent" if roll < rate * 0.8 else "excused"
                elif roll < rate + 0.04:
                    status = "late"
                else:
                    status = "present"
                yield {
                    "_id": self.oid(),
                    "institutionId": institution_id,
                    "studentId": student["_id"],
                    "classroomId": student["classroomId"],
                    "date": day,
                    "status": status,
                    "method": "bulk",
                    "markedBy": markers[student["classroomId"]],
                    "createdAt": day,
                    "updatedAt": day,
                }

    def grades(self, institution_id, students, subjects, teacher_users):
        """Marks around 74% (sd 12), published, spread over the year's subjects and terms."""
        graders = {u["classroomIds"][0]: u["_id"] for u in teacher_users}
        for student in students:
            ability = self.rng.gauss(0, 8)
            for number in range(self.options.grades_per_student):
                subject = subjects[number % len(subjects)]
                maximum = 100.0
                obtained = round(min(maximum, max(0.0, self.rng.gauss(74 + ability, 9))), 1)
                value = percentage(obtained, maximum)
                letter, point = grade_for(value)
                yield {
                    "_id": self.oid(),
                    "institutionId": institution_id,
                    "studentId": student["_id"],
                    "subjectId": subject["_id"],
                    "classroomId": student["classroomId"],
                    "academicYear": ACADEMIC_YEAR,
                    "semester": "first" if number % 2 == 0 else "second",
                    "gradeType": GRADE_TYPES[number % len(GRADE_TYPES)],
                    "title": f"{subject['name']} {number + 1}",
                    "maxMarks": maximum,
                    "obtainedMarks": obtained,
                    "percentage": value,
                    "letterGrade": letter,
                    "gradePoint": point,
                    "weightage": 1.0,
                    "date": self.days[0],
                    "published": True,
                    "publishedAt": self.now,
                    "gradedBy": graders[student["classroomId"]],
                    "history": [],
                    "createdAt": self.now,
                    "updatedAt": self.now,
                }
