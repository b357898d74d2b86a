"""Teachers: listed with their account's name, which follows renames."""


def test_teachers_are_listed_with_names_and_follow_account_renames(api, world, login):
    created = api().post(
        "/teachers",
        json={
            "name": "Tina Teacher",
            "email": "tina@a.test",
            "password": "tina teaches maths",
            "employeeId": "T-2",
        },
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    teacher = created.get_json()["teacher"]
    assert login("tina@a.test", "tina teaches maths")["user"]["role"] == "teacher"
    names = [t["name"] for t in api("finance").get("/teachers").get_json()]
    assert names == ["Teacher A", "Tina Teacher"]
    api().patch(f"/users/{teacher['userId']}", json={"name": "Tina Turner"})
    assert api().get(f"/teachers/{teacher['id']}").get_json()["name"] == "Tina Turner"
    duplicate = api().post("/teachers", json={"userId": teacher["userId"], "employeeId": "T-9"})
    assert duplicate.status_code == 409
    not_teacher = api().post(
        "/teachers", json={"userId": str(world["a"]["parent"]["_id"]), "employeeId": "T-8"}
    )
    assert not_teacher.status_code == 400
    both = api().post(
        "/teachers", json={"userId": teacher["userId"], "name": "X", "employeeId": "T-7"}
    )
    assert both.status_code == 400
    assert api("student").get("/teachers").status_code == 403
