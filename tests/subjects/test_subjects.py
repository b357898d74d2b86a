"""Subjects: codes unique per school, stored uppercase."""


def test_subject_codes_are_unique_and_uppercased(api):
    created = api().post("/subjects", json={"name": "Physics", "code": "phy-1"})
    assert created.get_json()["subject"]["code"] == "PHY-1"
    duplicate = api().post("/subjects", json={"name": "Physics 2", "code": "PHY-1"})
    assert duplicate.status_code == 409
    assert (
        api("admin", "b").post("/subjects", json={"name": "Physics", "code": "PHY-1"}).status_code
        == 201
    )
    listed = api("student").get("/subjects?sort=code").get_json()
    assert [s["code"] for s in listed] == ["MATH", "PHY-1"]
    subject_id = created.get_json()["subject"]["id"]
    assert api().delete(f"/subjects/{subject_id}").get_json()["subject"]["status"] == "archived"
    assert [s["code"] for s in api().get("/subjects?status=active").get_json()] == ["MATH"]
    assert api("teacher").post("/subjects", json={"name": "X", "code": "X"}).status_code == 403
