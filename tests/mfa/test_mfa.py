"""TOTP MFA end to end: enrolment with a real authenticator computation, two-step login,
replay and lockout, recovery codes, disabling, an admin's reset and the institution policy."""

import base64
import time

import pyotp
import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.mongo

CONTRACT_LOGIN_KEYS = {"message", "token", "accessToken", "refreshToken", "user"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def post(client, path, token=None, **kwargs):
    return client.post(f"/api/v1{path}", headers=bearer(token) if token else {}, **kwargs)


def password_step(client, email):
    """The first login step's answer."""
    response = post(client, "/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def code_at(secret, offset_steps):
    """The authenticator's code offset_steps time steps from now (as a phone would show)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def step_code(db, user_id, secret, ahead):
    """The code of the step `ahead` of the last one the user's factor spent (0: a replay)."""
    last = db.mfa_factors.find_one({"_id": user_id})["lastUsedStep"]
    return pyotp.TOTP(secret).generate_otp(last + ahead)


def enrol(client, token):
    """Enrol and confirm with the current code: (secret, recovery codes, confirm answer)."""
    started = post(client, "/auth/mfa/enrol", token)
    assert started.status_code == 201, started.get_json()
    secret = started.get_json()["secret"]
    confirmed = post(client, "/auth/mfa/confirm", token, json={"code": code_at(secret, 0)})
    assert confirmed.status_code == 200, confirmed.get_json()
    return secret, confirmed.get_json()["recoveryCodes"], confirmed.get_json()


def test_an_admin_enrols_with_an_authenticator_and_logs_in_in_two_steps(client, world, login, db):
    token = login("admin@a.test")["token"]
    started = post(client, "/auth/mfa/enrol", token).get_json()
    secret = started["secret"]
    assert started["otpauthUri"].startswith("otpauth://totp/EducateNext:admin%40a.test?secret=")
    assert base64.b64decode(started["qrCode"].split(",", 1)[1]).startswith(b"\x89PNG")
    stored = db.mfa_factors.find_one({"_id": world["a"]["admin"]["_id"]})
    assert stored["status"] == "pending"
    assert secret not in str(stored)
    assert post(client, "/auth/mfa/confirm", token, json={"code": "000000"}).status_code == 400

    secret, recovery_codes, _ = enrol(client, token)  # a fresh secret replaces the pending one
    assert len(set(recovery_codes)) == 10
    stored = db.mfa_factors.find_one({"_id": world["a"]["admin"]["_id"]})
    assert stored["status"] == "active"
    assert len(stored["recoveryCodeHashes"]) == 10
    assert not any(code in str(stored) for code in recovery_codes)  # only hashes are kept

    first = password_step(client, "admin@a.test")
    assert set(first) == {"message", "mfaRequired", "mfaToken"}
    assert first["mfaRequired"] is True
    # The mfaToken is no access token, for the views or the cache fast lane.
    assert client.get("/api/v1/students", headers=bearer(first["mfaToken"])).status_code == 401
    # The confirming code's step is spent: the next one (a phone a little ahead) is not.
    admin_id = world["a"]["admin"]["_id"]
    replay = {"mfaToken": first["mfaToken"], "code": step_code(db, admin_id, secret, 0)}
    replayed = post(client, "/auth/mfa", json=replay)
    assert replayed.status_code == 400
    assert replayed.get_json()["code"] == "INVALID_MFA_CODE"
    following = {"mfaToken": first["mfaToken"], "code": step_code(db, admin_id, secret, 1)}
    second = post(client, "/auth/mfa", json=following)
    assert second.status_code == 200, second.get_json()
    answer = second.get_json()
    assert set(answer) >= CONTRACT_LOGIN_KEYS
    assert answer["user"]["role"] == "admin"
    assert client.get("/api/v1/auth/me", headers=bearer(answer["token"])).status_code == 200
    # One password check, one session: the token is spent even with a valid recovery code.
    again = post(client, "/auth/mfa", json={"mfaToken": first["mfaToken"],
                                            "code": recovery_codes[0]})  # fmt: skip
    assert again.status_code == 401
    assert (
        len(db.mfa_factors.find_one({"_id": world["a"]["admin"]["_id"]})["recoveryCodeHashes"])
        == 10
    )
    actions = {event["action"] for event in db.audit_events.find({"resourceType": "security"})}
    assert {"mfa_enrolment_started", "mfa_enabled", "mfa_challenge", "mfa_failure"} <= actions


def test_a_user_without_mfa_keeps_the_contract_login_answer(client, world):
    assert set(password_step(client, "teacher@a.test")) == CONTRACT_LOGIN_KEYS


def test_a_recovery_code_works_once_and_wrong_codes_lock_the_account(client, world, login, db):
    secret, recovery_codes, _ = enrol(client, login("finance@a.test")["token"])
    with_recovery = post(client, "/auth/mfa", json={
        "mfaToken": password_step(client, "finance@a.test")["mfaToken"],
        "code": recovery_codes[0].upper().replace("-", " "),
    })  # fmt: skip
    assert with_recovery.status_code == 200, with_recovery.get_json()
    status = client.get(
        "/api/v1/auth/mfa/status", headers=bearer(with_recovery.get_json()["token"])
    )
    assert status.get_json()["recoveryCodesRemaining"] == 9
    token = password_step(client, "finance@a.test")["mfaToken"]
    reused = post(client, "/auth/mfa", json={"mfaToken": token, "code": recovery_codes[0]})
    assert reused.status_code == 400
    for _ in range(4):  # the threshold is 5 failures; the reuse above was the first
        assert post(
            client, "/auth/mfa", json={"mfaToken": token, "code": "123456"}
        ).status_code in (
            400,
            429,
        )
    valid = step_code(db, world["a"]["finance"]["_id"], secret, 1)
    locked = post(client, "/auth/mfa", json={"mfaToken": token, "code": valid})
    assert locked.status_code == 429
    assert locked.get_json()["code"] == "ACCOUNT_LOCKED"
    assert "Retry-After" in locked.headers
    relogin = post(client, "/auth/login", json={"email": "finance@a.test", "password": PASSWORD})
    assert relogin.status_code == 429  # the password alone does not lift it


def test_mfa_is_disabled_only_with_a_code_or_by_another_admin(client, world, login, db):
    teacher = login("teacher@a.test")["token"]
    secret, _, _ = enrol(client, teacher)
    wrong = post(client, "/auth/mfa/disable", teacher, json={"code": "111111"})
    assert wrong.status_code == 400
    valid = step_code(db, world["a"]["teacher"]["_id"], secret, 1)
    disabled = post(client, "/auth/mfa/disable", teacher, json={"code": valid})
    assert disabled.status_code == 200
    assert db.mfa_factors.find_one({"_id": world["a"]["teacher"]["_id"]}) is None
    assert set(password_step(client, "teacher@a.test")) == CONTRACT_LOGIN_KEYS

    enrol(client, login("teacher@a.test")["token"])
    teacher_id = str(world["a"]["teacher"]["_id"])
    admin_b = login("admin@b.test")["token"]
    reset = f"/api/v1/auth/mfa/users/{teacher_id}"
    assert client.delete(reset, headers=bearer(admin_b)).status_code == 404  # another school
    admin_a = login("admin@a.test")["token"]
    own = f"/api/v1/auth/mfa/users/{world['a']['admin']['_id']}"
    assert client.delete(own, headers=bearer(admin_a)).status_code == 403
    assert client.delete(reset, headers=bearer(admin_a)).status_code == 200
    assert client.delete(reset, headers=bearer(admin_a)).status_code == 409
    assert set(password_step(client, "teacher@a.test")) == CONTRACT_LOGIN_KEYS
    event = db.audit_events.find_one({"action": "mfa_reset"})
    assert event["details"]["by"] == world["a"]["admin"]["_id"]
    assert secret not in str(list(db.audit_events.find({"action": {"$regex": "^mfa"}})))


def test_a_policy_bound_user_without_mfa_can_only_enrol_until_they_do(client, world, api, db):
    institution = f"/institutions/{world['a']['institution']['_id']}"
    assert api().patch(institution, json={"mfaRequiredRoles": ["cashier"]}).status_code == 200
    assert api().get("/subjects").status_code == 200  # a cached list, warm for the fast lane
    assert api().get("/subjects").status_code == 200
    answer = password_step(client, "cashier@a.test")
    assert answer["mfaEnrolmentRequired"] is True
    assert "refreshToken" not in answer
    limited = answer["token"]
    for path in ("/subjects", "/auth/me", "/fees/invoices"):
        refused = client.get(f"/api/v1{path}", headers=bearer(limited))
        assert refused.status_code == 403, path
        assert refused.get_json()["code"] == "MFA_ENROLMENT_REQUIRED"
    status = client.get("/api/v1/auth/mfa/status", headers=bearer(limited)).get_json()
    assert status == {"enabled": False, "pending": False, "recoveryCodesRemaining": 0,
                      "requiredByPolicy": True}  # fmt: skip
    secret, _, confirmed = enrol(client, limited)
    assert set(confirmed) >= CONTRACT_LOGIN_KEYS  # enrolling completed the login
    assert (
        client.get("/api/v1/fees/invoices", headers=bearer(confirmed["token"])).status_code == 200
    )
    refused = post(
        client, "/auth/mfa/disable", confirmed["token"], json={"code": code_at(secret, 1)}
    )
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "MFA_REQUIRED_BY_POLICY"
    assert password_step(client, "cashier@a.test")["mfaRequired"] is True


def test_recovery_codes_are_replaced_with_a_current_code(client, world, login, db):
    token = login("parent@a.test")["token"]
    secret, old_codes, _ = enrol(client, token)
    valid = step_code(db, world["a"]["parent"]["_id"], secret, 1)
    replaced = post(client, "/auth/mfa/recovery-codes", token, json={"code": valid})
    assert replaced.status_code == 200
    new_codes = replaced.get_json()["recoveryCodes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    stale = post(
        client,
        "/auth/mfa",
        json={"mfaToken": password_step(client, "parent@a.test")["mfaToken"], "code": old_codes[0]},
    )
    assert stale.status_code == 400
    assert post(client, "/auth/mfa/enrol", token).status_code == 409  # already on


def test_steps_out_of_order_are_refused(client, world, login, api):
    token = login("teacher@a.test")["token"]
    assert post(client, "/auth/mfa/confirm", token, json={"code": "123456"}).status_code == 409
    assert post(client, "/auth/mfa/disable", token, json={"code": "123456"}).status_code == 409
    assert (
        post(client, "/auth/mfa/recovery-codes", token, json={"code": "123456"}).status_code == 409
    )
    assert (
        post(client, "/auth/mfa", json={"mfaToken": "x" * 40, "code": "123456"}).status_code == 401
    )
    root = login("root@platform.test")["token"]
    teacher = f"/api/v1/auth/mfa/users/{world['a']['teacher']['_id']}"
    assert client.delete(teacher, headers=bearer(root)).status_code == 409  # nothing to reset
    enrol(client, token)
    assert client.delete(teacher, headers=bearer(root)).status_code == 200  # a super-admin may
    bad = api().patch(f"/institutions/{world['a']['institution']['_id']}",
                      json={"mfaRequiredRoles": ["student"]})  # fmt: skip
    assert bad.status_code == 400
