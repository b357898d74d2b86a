"""ID cards: issued once per account, read under the record's row rules, a real PDF."""

import io

import pytest
from pypdf import PdfReader

from tests import factories

CARD_FIELDS = {"id", "_id", "cardNumber", "cardData", "qrCodeId", "digitalWalletAdded"}
CARD_DATA = {"name", "photo", "id", "institution", "validUntil", "class", "emergencyContact"}


def student_card(api, world, role="student", holder=None, school="a"):
    """GET a student's card as a role; the response."""
    holder = holder or world["a"]["student"]["_id"]
    return api(role, school).get(f"/id-cards/{holder}?userType=student")


def test_the_student_app_reads_its_card_by_account_or_record_id(api, world, db):
    """The contract's shape; one card however it is named; its QR validates."""
    first = student_card(api, world)
    assert first.status_code == 200, first.get_data(as_text=True)
    card = first.get_json()
    assert card.keys() >= CARD_FIELDS
    assert card["cardData"].keys() == CARD_DATA
    assert card["cardData"]["name"] == "Sam Student"
    assert card["cardData"]["class"] == "Grade 5 A"
    assert card["cardData"]["institution"] == "School A"
    assert card["cardData"]["id"].startswith("S2025-")
    assert card["digitalWalletAdded"] is False
    assert "previousNumbers" not in card
    by_record = student_card(api, world, holder=world["a"]["student_record"]["_id"]).get_json()
    assert (by_record["id"], by_record["cardNumber"]) == (card["id"], card["cardNumber"])
    assert by_record["qrCodeId"] == card["qrCodeId"]  # the current code, not a new one each read
    assert db.id_cards.count_documents({}) == 1
    checked = api("teacher").get(f"/qr/validate/{card['qrCodeId']}").get_json()
    assert checked["valid"] is True
    assert checked["userId"] == str(world["a"]["student"]["_id"])


def test_a_code_generated_in_the_app_is_the_one_the_card_shows(api, world):
    """Generating a new code replaces the card's; reading the card does not replace it back."""
    before = student_card(api, world).get_json()["qrCodeId"]
    student = world["a"]["student"]["_id"]
    new = api("student").post(f"/qr/generate/{student}", json={"userType": "student"})
    assert new.status_code == 201
    after = student_card(api, world).get_json()["qrCodeId"]
    assert after == new.get_json()["qrData"] != before
    assert api("teacher").get(f"/qr/validate/{after}").get_json()["valid"] is True


@pytest.mark.parametrize(("role", "school", "status"), [
    ("parent", "a", 200), ("teacher", "a", 200), ("admin", "a", 200),
    ("admin", "b", 404), ("student", "b", 404), ("parent", "b", 404),
])  # fmt: skip
def test_who_reads_a_students_card_follows_the_records_rules(api, world, role, school, status):
    """Parents their children's, teachers their classrooms', no one another school's."""
    assert student_card(api, world, role, school=school).status_code == status


def test_an_unrelated_parent_and_a_record_without_an_account_are_refused(api, world):
    """Another family's parent sees nothing; a record with no account has no card yet."""
    admin = api("admin")
    record = admin.post("/students", json=factories.student("No Account"))
    record_id = record.get_json()["student"]["id"]
    assert student_card(api, world, "parent", holder=record_id).status_code == 404
    refused = student_card(api, world, "admin", holder=record_id)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "CONFLICT")


def test_teachers_read_their_own_card_and_students_cannot(api, world):
    """A teacher card by account or profile id; the employee id is printed."""
    teacher = world["a"]["teacher"]["_id"]
    own = api("teacher").get(f"/id-cards/{teacher}?userType=teacher")
    assert own.status_code == 200
    assert own.get_json()["cardData"]["id"] == "T-1"
    assert own.get_json()["cardData"]["class"] is None
    profile = world["a"]["teacher_profile"]["_id"]
    by_profile = api("admin").get(f"/id-cards/{profile}?userType=teacher").get_json()
    assert by_profile["cardNumber"] == own.get_json()["cardNumber"]
    assert api("student").get(f"/id-cards/{teacher}?userType=teacher").status_code == 404
    bad = api("teacher").get(f"/id-cards/{teacher}?userType=janitor")
    assert (bad.status_code, bad.get_json()["details"][0]["field"]) == (400, "userType")


def test_adding_to_the_wallet_is_the_holders_and_idempotent(api, world, db):
    """Twice is once; a parent may read the card but not add it to a wallet."""
    card_id = student_card(api, world).get_json()["id"]
    first = api("student").post(f"/id-cards/{card_id}/wallet")
    assert first.status_code == 200
    assert first.get_json()["digitalWalletAdded"] is True
    again = api("student").post(f"/id-cards/{card_id}/wallet")
    assert again.get_json()["walletAddedAt"] == first.get_json()["walletAddedAt"]
    assert api("parent").post(f"/id-cards/{card_id}/wallet").status_code == 403
    assert api("student", "b").post(f"/id-cards/{card_id}/wallet").status_code == 404
    assert db.id_cards.find_one()["digitalWalletAdded"] is True


def test_an_admin_reissues_a_card_and_the_old_number_stays_recorded(api, world, db):
    """A new number, never reused; the wallet flag reset; only admins reissue."""
    card = student_card(api, world).get_json()
    api("student").post(f"/id-cards/{card['id']}/wallet")
    assert api("teacher").post(f"/id-cards/{card['id']}/reissue").status_code == 403
    reissued = api("admin").post(f"/id-cards/{card['id']}/reissue")
    assert reissued.status_code == 200
    renewed = reissued.get_json()
    assert renewed["cardNumber"] != card["cardNumber"]
    assert renewed["digitalWalletAdded"] is False
    assert [p["cardNumber"] for p in renewed["previousNumbers"]] == [card["cardNumber"]]
    assert "previousNumbers" not in student_card(api, world).get_json()
    stored = db.id_cards.find_one()
    assert stored["cardNumber"] == renewed["cardNumber"]
    assert stored["previousNumbers"][0]["replacedBy"] == world["a"]["admin"]["_id"]
    other = student_card(api, world, "admin", holder=world["a"]["teacher"]["_id"])
    assert other.status_code == 404  # a teacher account is not a student
    teacher_card = api("teacher").get(f"/id-cards/{world['a']['teacher']['_id']}?userType=teacher")
    numbers = {card["cardNumber"], renewed["cardNumber"], teacher_card.get_json()["cardNumber"]}
    assert len(numbers) == 3


def test_a_concurrent_first_issue_returns_the_winners_card(app, world, db):
    """Two first reads race: the unique holder index keeps one card, both get it."""
    from educatenext.idcards.repository import IdCardRepository
    from educatenext.platform.mongo.repository import TenantScope

    school = world["a"]
    with app.app_context():
        cards = IdCardRepository(TenantScope.of(school["institution"]["_id"]))
        base = {"userId": school["student"]["_id"], "userType": "student", "issuedAt": None}
        first = cards.issue({**base, "cardNumber": "C900001"})
        second = cards.issue({**base, "cardNumber": "C900002"})
    assert second["_id"] == first["_id"]
    assert second["cardNumber"] == "C900001"
    assert db.id_cards.count_documents({}) == 1


def test_the_download_is_a_card_sized_pdf_with_the_details_and_the_qr_image(api, world):
    """pypdf reads the page: its size, the printed details and one image (the QR code)."""
    card = student_card(api, world).get_json()
    response = api("parent").get(f"/id-cards/{card['id']}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert card["cardNumber"] in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (243, 153)  # 85.6 x 53.98 mm in points
    text = page.extract_text()
    for printed in ("Sam Student", "School A", "Grade 5 A", card["cardNumber"],
                    card["cardData"]["id"], card["cardData"]["validUntil"][:10]):  # fmt: skip
        assert printed in text, (printed, text)
    assert len(page.images) == 1
    assert api("student", "b").get(f"/id-cards/{card['id']}/download").status_code == 404


def test_a_name_outside_latin1_renders_with_the_core_font_missing(app, world):
    """Without a TrueType font the card still renders, unknown letters replaced."""
    from educatenext.idcards import pdf

    card = {"userType": "student", "cardNumber": "C000001", "qrCodeId": "x.y",
            "validUntil": world["a"]["student_record"]["createdAt"],
            "cardData": {"name": "Zoë 李", "institution": "École", "id": "S1", "class": None,
                         "emergencyContact": {"name": "Ma", "phone": "+1 5"}}}  # fmt: skip
    text = PdfReader(io.BytesIO(pdf.render(card, "/nonexistent.ttf"))).pages[0].extract_text()
    assert "Zoë ?" in text
    assert "Emergency: Ma +1 5" in text
