"""`make security`: run the security tests and print an OWASP API Top 10 (2023) scorecard."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "var" / "security-junit.xml"

SCORECARD = {
    "API1 Broken Object Level Authorization": [
        "tests/security/test_attacks.py::test_tenant_sweep_with_a_canary",
        "tests/auth/test_permissions.py::test_role_matrix_own_and_other_institution",
        "tests/students/test_students.py::test_row_level_rules",
    ],
    "API2 Broken Authentication": [
        "tests/security/test_attacks.py::test_jwt_attack_corpus",
        "tests/auth/test_login.py::test_refresh_rotates_and_reuse_revokes_the_family",
        "tests/auth/test_brute_force.py::test_lockout_after_threshold_for_known_and_unknown_emails",
        "tests/auth/test_session_cache.py::test_revocations_and_lockouts_survive_a_redis_restart",
    ],
    "API3 Broken Object Property Level Authorization": [
        "tests/security/test_attacks.py::test_mass_assignment_is_rejected_and_changes_nothing",
        "tests/students/test_students.py::test_sensitive_fields_by_role",
        "tests/users/test_users.py::test_protected_and_invalid_fields_are_rejected",
    ],
    "API4 Unrestricted Resource Consumption": [
        "tests/auth/test_rate_limits.py",
        "tests/platform/http/test_errors.py::test_body_over_limit_is_413",
        "tests/platform/http/test_errors.py::test_chunked_body_over_limit_is_413",
        "tests/users/test_users.py::test_unknown_or_unsafe_query_parameters_are_400",
    ],
    "API5 Broken Function Level Authorization": [
        "tests/auth/test_permissions.py::test_every_route_declares_a_permission",
        "tests/auth/test_permissions.py::test_unauthenticated_calls_are_401_everywhere_but_public_routes",
        "tests/auth/test_permissions.py::test_a_route_without_a_declaration_fails_closed",
    ],
    "API6 Unrestricted Access to Sensitive Business Flows": [
        "tests/auth/test_brute_force.py::test_per_account_rate_limit",
        "tests/auth/test_brute_force.py::test_per_ip_rate_limit",
        "tests/auth/test_registration.py",
        "tests/idempotency/test_idempotency.py",
    ],
    "API7 Server Side Request Forgery": ["tests/security/test_no_outbound_calls.py"],
    "API8 Security Misconfiguration": [
        "tests/platform/http/test_headers.py",
        "tests/app/test_config.py",
        "tests/platform/http/test_errors.py::test_unhandled_exception_is_500_without_internals",
        "tests/security/test_attacks.py::test_bandit_finds_nothing_medium_or_high",
    ],
    "API9 Improper Inventory Management": [
        "tests/platform/http/test_openapi.py",
        "tests/auth/test_permissions.py::test_permissions_are_in_the_openapi_spec",
        "tests/security/test_api_fuzz.py",
    ],
    "API10 Unsafe Consumption of APIs": [
        "tests/security/test_attacks.py::test_nosql_injection_in_every_json_position",
        "tests/security/test_attacks.py::test_nosql_injection_in_query_keys_values_and_path_segments",
        "tests/platform/mongo/test_db_users.py",
        "tests/platform/mongo/test_backup.py",
    ],
}


def main():
    """Run every mapped test once, then print the scorecard; exit 1 on any failure."""
    REPORT.parent.mkdir(exist_ok=True)
    targets = sorted({target for targets in SCORECARD.values() for target in targets})
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "junit_family=xunit1",  # keeps record_property (the schemathesis case counts)
            f"--junitxml={REPORT}",
            *targets,
        ],
        cwd=ROOT,
        check=False,
    )
    cases, cases_run = {}, 0
    for case in ET.parse(REPORT).iter("testcase"):  # noqa: S314 - our own pytest report
        path = case.get("classname", "").replace(".", "/") + ".py"
        name = case.get("name", "").split("[")[0]
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        key = f"{path}::{name}"
        cases.setdefault(key, []).append("fail" if failed else "skip" if skipped else "pass")
        for prop in case.iter("property"):
            if prop.get("name") == "schemathesis_cases":
                cases_run += int(prop.get("value"))
    all_pass = True
    print("\nOWASP API Security Top 10 (2023) scorecard")
    print("=" * 72)
    for item, targets in SCORECARD.items():
        results = []
        for target in targets:
            outcomes = [
                o
                for key, value in cases.items()
                if key == target or key.startswith(target)
                for o in value
            ]
            status = "FAIL" if "fail" in outcomes or not outcomes else "pass"
            results.append((target, status, len(outcomes)))
        verdict = "PASS" if all(status == "pass" for _, status, _ in results) else "FAIL"
        all_pass &= verdict == "PASS"
        print(f"{verdict}  {item}")
        for target, status, count in results:
            print(f"        {status:<4} {target} ({count} case{'s' if count != 1 else ''})")
    print("=" * 72)
    print(f"schemathesis cases run: {cases_run}")
    print("ALL PASS" if all_pass else "FAILURES ABOVE")
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())
