"""Fee fixtures: a class of 40 billed from one structure."""

import pytest

from tests import factories
from tests.fees.support import STRUCTURE


@pytest.fixture
def billed(api, world):
    """A class of 40 and an issued invoice for each, from a fresh structure."""
    room = api().post("/classrooms", json=factories.classroom("Grade 6 B", capacity=45))
    room_id = (room.get_json().get("classroom") or room.get_json())["id"]
    students = [factories.student(f"Pupil {n:02d}", classroomId=room_id) for n in range(40)]
    assert api().post("/students/bulk", json={"students": students}).status_code in (200, 201)
    finance = api("finance")
    created = finance.post("/fees/structures", json=STRUCTURE)
    assert created.status_code == 201, created.get_json()
    structure = created.get_json()["structure"]
    batch = finance.post(
        f"/fees/structures/{structure['id']}/invoices", json={"classroomId": room_id, "issue": True}
    )
    assert batch.status_code == 201, batch.get_json()
    return {"room": room_id, "structure": structure, "batch": batch.get_json()}
