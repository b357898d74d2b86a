"""Argon2id password hashing and the password policy (length, not composition; no common ones)."""

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords():
    """The rejected passwords, lowercased."""
    lines = COMMON_PASSWORDS_FILE.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password, *, email=None, name=None):
    """Why a new password is unacceptable, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Must be at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Must be at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords():
        return "This password is too common; choose another."
    if email and lowered == email.lower():
        return "Must not be your email address."
    if name and lowered == name.lower():
        return "Must not be your name."
    return None


def hasher():
    """A PasswordHasher with the configured Argon2id parameters."""
    config = current_app.config
    return _hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]
    )


@cache
def _hasher(time_cost, memory_cost, parallelism):
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password):
    """Hash a password with the current parameters."""
    return hasher().hash(password)


def verify_password(stored_hash, password):
    """(matches, needs_rehash): rehash when the configured parameters changed."""
    current = hasher()
    try:
        current.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, current.check_needs_rehash(stored_hash)


def burn_verification_time(password):
    """Spend the same time as a real verification, so unknown emails cannot be told apart."""
    verify_password(_dummy_hash(*_params()), password)


def _params():
    config = current_app.config
    return config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]


@cache
def _dummy_hash(time_cost, memory_cost, parallelism):
    return _hasher(time_cost, memory_cost, parallelism).hash("not-a-real-password-0000")
