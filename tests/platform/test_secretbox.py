"""Secrets at rest: sealed under the current key, opened under it or a previous one."""

import pytest

from educatenext.platform.secretbox import SecretBox, UndecryptableSecretError

KEY, OLD, OTHER = "k" * 40, "o" * 40, "x" * 40


def test_a_sealed_secret_opens_only_with_its_key_and_purpose():
    sealed = SecretBox("mfa-totp", KEY).seal("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert SecretBox("mfa-totp", KEY).open(sealed) == "JBSWY3DPEHPK3PXP"
    for wrong in (SecretBox("mfa-totp", OTHER), SecretBox("another-purpose", KEY)):
        with pytest.raises(UndecryptableSecretError):
            wrong.open(sealed)


def test_after_a_rotation_old_secrets_still_open_and_tampering_is_refused():
    before = SecretBox("mfa-totp", OLD).seal("secret")
    rotated = SecretBox("mfa-totp", KEY, OLD)
    assert rotated.open(before) == "secret"
    assert SecretBox("mfa-totp", KEY).open(rotated.seal("new")) == "new"  # sealed under KEY
    with pytest.raises(UndecryptableSecretError):
        rotated.open(before[:-4] + "AAAA")
