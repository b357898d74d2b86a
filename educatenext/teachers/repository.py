"""Teacher profiles."""

from educatenext.platform.mongo.repository import TenantRepository


class TeacherRepository(TenantRepository):
    """Teacher profiles of one institution, each linked to a teacher user."""

    collection_name = "teachers"

    def by_user(self, user_id):
        """The profile of a user, or None."""
        return self.find_one({"userId": user_id})

    def add_classroom(self, teacher_id, classroom_id):
        """Record a classroom assignment."""
        self.collection.update_one(
            self.scoped({"_id": teacher_id}),
            {"$addToSet": {"classroomIds": classroom_id}},
            session=self.session,
        )

    def remove_classroom(self, teacher_id, classroom_id):
        """Drop a classroom assignment."""
        self.collection.update_one(
            self.scoped({"_id": teacher_id}),
            {"$pull": {"classroomIds": classroom_id}},
            session=self.session,
        )
