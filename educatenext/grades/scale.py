"""The grading scale (the earlier backend's, kept for the clients)."""

# (minimum percentage, letter, grade point), highest first.
SCALE = (
    (90, "A+", 4.0),
    (80, "A", 3.7),
    (70, "B+", 3.3),
    (60, "B", 3.0),
    (50, "C+", 2.7),
    (40, "C", 2.3),
    (33, "D", 2.0),
    (0, "F", 0.0),
)
SEMESTERS = ("first", "second", "annual")
GRADE_TYPES = ("assignment", "quiz", "exam", "project", "participation")


def grade_for(percentage):
    """(letter, grade point) for a percentage."""
    for minimum, letter, point in SCALE:
        if percentage >= minimum:
            return letter, point
    return SCALE[-1][1], SCALE[-1][2]


def percentage(obtained, maximum):
    """Rounded to two decimals."""
    return round(obtained * 100 / maximum, 2)


def mongo_grade_point(expression):
    """A $switch giving the grade point of a percentage expression (same scale, in a pipeline)."""
    return {
        "$switch": {
            "branches": [
                {"case": {"$gte": [expression, minimum]}, "then": point}
                for minimum, _, point in SCALE[:-1]
            ],
            "default": SCALE[-1][2],
        }
    }
