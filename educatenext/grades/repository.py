"""Grades and report cards."""

from educatenext.grades.scale import mongo_grade_point
from educatenext.platform.mongo.repository import TenantRepository
from educatenext.platform.values import utcnow


class GradeRepository(TenantRepository):
    """Grade entries of one institution."""

    collection_name = "grades"

    def update_with_history(self, grade_id, changes, previous, actor_id):
        """Apply changes and append the previous values to the grade's audit trail."""
        entry = {"changedAt": utcnow(), "changedBy": actor_id, "previous": previous}
        # update_one, then a read, not findAndModify: docs/decisions/0003.
        written = self.collection.update_one(
            self.scoped({"_id": grade_id}),
            {"$set": {**changes, "updatedAt": utcnow()}, "$push": {"history": entry}},
            session=self.session,
        )
        return self.find_one({"_id": grade_id}) if written.matched_count else None

    def publish(self, grade_ids, classroom_ids=None):
        """Publish these grades (within classrooms when given); returns how many changed."""
        query = {"_id": {"$in": list(grade_ids)}, "published": False}
        if classroom_ids is not None:
            query["classroomId"] = {"$in": list(classroom_ids)}
        now = utcnow()
        result = self.collection.update_many(
            self.scoped(query),
            {"$set": {"published": True, "publishedAt": now, "updatedAt": now}},
            session=self.session,
        )
        return result.modified_count

    def subject_results(self, match):
        """Per student and subject: weighted percentage and grade point, in one pipeline."""
        return self.aggregate(
            [
                {"$match": match},
                {
                    "$group": {
                        "_id": {"studentId": "$studentId", "subjectId": "$subjectId"},
                        "weighted": {"$sum": {"$multiply": ["$percentage", "$weightage"]}},
                        "weights": {"$sum": "$weightage"},
                        "entries": {"$sum": 1},
                    }
                },
                {"$set": {"percentage": {"$round": [{"$divide": ["$weighted", "$weights"]}, 2]}}},
                {"$set": {"gradePoint": mongo_grade_point("$percentage")}},
                {
                    "$group": {
                        "_id": "$_id.studentId",
                        "subjects": {
                            "$push": {
                                "subjectId": "$_id.subjectId",
                                "percentage": "$percentage",
                                "gradePoint": "$gradePoint",
                                "entries": "$entries",
                            }
                        },
                        "gpa": {"$avg": "$gradePoint"},
                        "overall": {"$avg": "$percentage"},
                    }
                },
                {"$set": {"gpa": {"$round": ["$gpa", 2]}, "overall": {"$round": ["$overall", 2]}}},
                {"$sort": {"_id": 1}},
            ]
        )


class ReportCardRepository(TenantRepository):
    """Report cards: one per student, academic year and semester."""

    collection_name = "report_cards"
