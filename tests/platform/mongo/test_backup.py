"""Encrypted backups round-trip every document and index; tampering is caught before writing."""

import base64
import os

import pytest

from educatenext.extensions import mongo
from educatenext.platform.mongo.backup import backup_command, restore_command


@pytest.fixture
def key_file(tmp_path):
    """A 32-byte key (base64) in its own directory."""
    directory = tmp_path / "keys"
    directory.mkdir()
    path = directory / "backup.key"
    path.write_bytes(base64.b64encode(os.urandom(32)))
    return path


def snapshot(app):
    """Every document and index of the app's database."""
    with app.app_context():
        db = mongo.db
        return {
            name: (list(db[name].find({}, sort=[("_id", 1)])), db[name].index_information())
            for name in sorted(db.list_collection_names())
        }


def test_round_trip(app, world, make_app, key_file, tmp_path):
    archive = tmp_path / "out" / "school.enbak"
    archive.parent.mkdir()
    result = app.test_cli_runner().invoke(
        backup_command, ["--out", str(archive), "--key-file", str(key_file)]
    )
    assert result.exit_code == 0, result.output
    assert b"Sam Student" not in archive.read_bytes()  # encrypted (and compressed)
    target = make_app(migrate=False)
    result = target.test_cli_runner().invoke(
        restore_command, [str(archive), "--key-file", str(key_file)]
    )
    assert result.exit_code == 0, result.output
    assert snapshot(target) == snapshot(app)
    again = target.test_cli_runner().invoke(
        restore_command, [str(archive), "--key-file", str(key_file)]
    )
    assert "not empty" in again.output


def test_tampering_and_wrong_keys_are_refused_before_writing(
    app, world, make_app, key_file, tmp_path
):
    archive = tmp_path / "school.enbak"
    app.config["BACKUP_KEY"] = key_file.read_text()
    assert app.test_cli_runner().invoke(backup_command, ["--out", str(archive)]).exit_code == 0
    damaged = bytearray(archive.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    broken = tmp_path / "broken.enbak"
    broken.write_bytes(bytes(damaged))
    target = make_app(migrate=False, BACKUP_KEY=key_file.read_text())
    result = target.test_cli_runner().invoke(restore_command, [str(broken)])
    assert "Integrity check failed" in result.output
    target.config["BACKUP_KEY"] = base64.b64encode(os.urandom(32)).decode()
    assert (
        "Integrity check failed"
        in target.test_cli_runner().invoke(restore_command, [str(archive)]).output
    )
    with target.app_context():
        assert mongo.db.list_collection_names() == []


def test_key_rules(app, tmp_path):
    beside = tmp_path / "k.key"
    beside.write_bytes(base64.b64encode(os.urandom(32)))
    result = app.test_cli_runner().invoke(
        backup_command, ["--out", str(tmp_path / "a.enbak"), "--key-file", str(beside)]
    )
    assert "away from the archive" in result.output
    assert (
        "No backup key"
        in app.test_cli_runner().invoke(backup_command, ["--out", str(tmp_path / "b")]).output
    )
    short = tmp_path / "keys"
    short.mkdir()
    (short / "short.key").write_bytes(base64.b64encode(b"x" * 16))
    out = tmp_path / "c.enbak"
    result = app.test_cli_runner().invoke(
        backup_command, ["--out", str(out), "--key-file", str(short / "short.key")]
    )
    assert "32 bytes" in result.output
    (tmp_path / "junk").write_bytes(b"not a backup")
    app.config["BACKUP_KEY"] = base64.b64encode(os.urandom(32)).decode()
    assert (
        "Not an EducateNext"
        in app.test_cli_runner().invoke(restore_command, [str(tmp_path / "junk")]).output
    )
