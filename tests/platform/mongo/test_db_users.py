"""MongoDB with SCRAM and TLS: least-privilege users; migrations and the API each as their user."""

import pytest
import trustme
from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from devservers.processes import MongoServer
from educatenext.extensions import mongo
from educatenext.platform.mongo.dbusers import create_users
from educatenext.platform.mongo.migrations import apply_pending

PASSWORDS = {
    "DB_APP_PASSWORD": "app-password-0123456789",
    "DB_MIGRATOR_PASSWORD": "migrator-password-0123456789",
    "DB_REPORTING_PASSWORD": "reporting-password-0123456789",
    "DB_BACKUP_PASSWORD": "backup-password-0123456789",
}


@pytest.fixture
def secured(tmp_path):
    """A dev server without auth (to create users), a CA and the server's TLS certificate."""
    ca = trustme.CA()
    ca_file, key_file = tmp_path / "ca.pem", tmp_path / "server.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(
        str(key_file)
    )
    plain = MongoServer(tmp_path / "data").start(timeout=60)
    yield {"directory": tmp_path}, plain, ca_file, key_file
    plain.stop()


@pytest.mark.slow
def test_least_privilege_over_tls(secured, make_app, tmp_path):
    info, plain, ca_file, key_file = secured
    admin_app = make_app(migrate=False, MONGO_URI=plain.uri, MONGO_DB_NAME="school")
    result = admin_app.test_cli_runner().invoke(create_users, [], env=PASSWORDS)
    assert result.exit_code == 0, result.output
    plain.stop()
    secure = MongoServer(
        info["directory"] / "data",
        port=plain.port,
        tls_ca=str(ca_file),
        extra_args=["--auth", "--tls-cert-file", str(key_file), "--tls-key-file", str(key_file)],
    )
    secure.start(timeout=60)
    try:
        base = f"127.0.0.1:{secure.port}/school?authSource=school"
        tls = {"MONGO_TLS": True, "MONGO_TLS_CA_FILE": str(ca_file)}
        migrator = make_app(
            migrate=False,
            MONGO_URI=f"mongodb://educatenext_migrator:{PASSWORDS['DB_MIGRATOR_PASSWORD']}@{base}",
            MONGO_DB_NAME="school",
            **tls,
        )
        with migrator.app_context():
            applied = apply_pending(
                mongo.db, migrator.config["MIGRATIONS_DIR"], echo=lambda *_: None
            )
            assert applied
        app = make_app(
            migrate=False,
            MONGO_URI=f"mongodb://educatenext_app:{PASSWORDS['DB_APP_PASSWORD']}@{base}",
            MONGO_DB_NAME="school",
            **tls,
        )
        assert app.test_client().get("/ready").status_code == 200
        with app.app_context():
            mongo.db.subjects.insert_one({"institutionId": None, "name": "probe"})
            assert mongo.db.subjects.count_documents({}) == 1
            with pytest.raises(OperationFailure, match="not authorized"):
                mongo.db.subjects.drop()
            with pytest.raises(OperationFailure, match="not authorized"):
                mongo.db.subjects.create_index("name")
        reporting = MongoClient(
            f"mongodb://educatenext_reporting:{PASSWORDS['DB_REPORTING_PASSWORD']}@{base}",
            tls=True,
            tlsCAFile=str(ca_file),
            serverSelectionTimeoutMS=2000,
        )
        assert reporting.school.subjects.count_documents({}) == 1
        with pytest.raises(OperationFailure, match="not authorized"):
            reporting.school.subjects.insert_one({"x": 1})
        reporting.close()
        plaintext = MongoClient(
            f"mongodb://educatenext_app:{PASSWORDS['DB_APP_PASSWORD']}@{base}",
            serverSelectionTimeoutMS=1500,
        )
        with pytest.raises(PyMongoError):
            plaintext.school.subjects.find_one()
        plaintext.close()
        other_ca = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(other_ca))
        wrong_ca = MongoClient(
            f"mongodb://educatenext_app:{PASSWORDS['DB_APP_PASSWORD']}@{base}",
            tls=True,
            tlsCAFile=str(other_ca),
            serverSelectionTimeoutMS=1500,
        )
        with pytest.raises(PyMongoError):
            wrong_ca.school.subjects.find_one()
        wrong_ca.close()
        anonymous = MongoClient(
            f"mongodb://{base}", tls=True, tlsCAFile=str(ca_file), serverSelectionTimeoutMS=1500
        )
        with pytest.raises(OperationFailure):
            anonymous.school.subjects.find_one()
        anonymous.close()
    finally:
        secure.stop()


def test_weak_database_passwords_are_refused(app):
    weak = {**PASSWORDS, "DB_APP_PASSWORD": "short"}
    result = app.test_cli_runner().invoke(create_users, [], env=weak)
    assert result.exit_code != 0
    assert "at least 16" in result.output
