"""`flask bootstrap` makes a fresh system usable, once."""

from educatenext.bootstrap import bootstrap_command

ARGS = [
    "--super-admin-email", "root@example.test",
    "--institution-name", "Greenfield High",
    "--institution-code", "greenfield",
    "--admin-email", "head@greenfield.test",
]  # fmt: skip
ENV = {
    "BOOTSTRAP_SUPER_ADMIN_PASSWORD": "platform root passphrase",
    "BOOTSTRAP_ADMIN_PASSWORD": "greenfield head passphrase",
}


def test_bootstrap_then_log_in(app, client):
    result = app.test_cli_runner().invoke(bootstrap_command, ARGS, env=ENV)
    assert result.exit_code == 0, result.output
    assert "institution Greenfield High [greenfield]" in result.output
    root = client.post(
        "/api/v1/auth/login",
        json={"email": "root@example.test", "password": ENV["BOOTSTRAP_SUPER_ADMIN_PASSWORD"]},
    )
    assert root.get_json()["user"]["role"] == "super_admin"
    assert root.get_json()["user"]["institutionId"] is None
    head = client.post(
        "/api/v1/auth/login",
        json={"email": "head@greenfield.test", "password": ENV["BOOTSTRAP_ADMIN_PASSWORD"]},
    )
    assert head.get_json()["user"]["role"] == "admin"
    again = app.test_cli_runner().invoke(bootstrap_command, ARGS, env=ENV)
    assert again.exit_code != 0
    assert "Already bootstrapped" in again.output


def test_bootstrap_refuses_weak_passwords_and_bad_input(app):
    weak = app.test_cli_runner().invoke(
        bootstrap_command, ARGS, env={**ENV, "BOOTSTRAP_ADMIN_PASSWORD": "password1"}
    )
    assert weak.exit_code != 0
    assert "password" in weak.output
    bad_code = [*ARGS[:5], "Not A Slug!", *ARGS[6:]]
    result = app.test_cli_runner().invoke(bootstrap_command, bad_code, env=ENV)
    assert result.exit_code != 0
    assert "Invalid input" in result.output
