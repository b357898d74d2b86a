"""The shared answer of bulk endpoints: counts plus one result per item, in request order."""


def bulk_answer(results, done_status):
    """{message, succeeded, failed, results} where `done_status` marks a successful item."""
    succeeded = sum(1 for result in results if result["status"] == done_status)
    failed = len(results) - succeeded
    return {
        "message": f"{succeeded} {done_status}, {failed} failed.",
        "succeeded": succeeded,
        "failed": failed,
        "results": results,
    }
