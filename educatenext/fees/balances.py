"""Outstanding-balance summaries: what each open invoice adds, and how a summary ages.

A summary is kept per classroom and per student. It holds, per invoice due date, how many
open invoices fall due that day with their totals and what was paid on them. Every invoice
write moves the summaries by the difference between the invoice's contribution before and
after it, in the write's transaction, so the outstanding report reads a few small documents
instead of grouping every open invoice.
"""

from datetime import date

OPEN = ("issued", "partially_paid")
GROUPS = (("classroom", "classroomId"), ("student", "studentId"))

# (bucket, most days overdue): an invoice due more days before asOf goes to the next one.
AGEING = (("notDue", None), ("days0to30", 30), ("days31to60", 60), ("days61to90", 90),
          ("days90plus", None))  # fmt: skip


def contribution(invoice):
    """{(group, key): {field: amount}} an invoice adds to the summaries; nothing unless open."""
    if invoice is None or invoice["status"] not in OPEN:
        return {}
    due = f"dues.{invoice['dueDate']:%Y-%m-%d}"
    amounts = {
        "openInvoices": 1,
        f"{due}.invoices": 1,
        f"{due}.totalMinor": invoice["totalMinor"],
        f"{due}.paidMinor": invoice["paidMinor"],
    }
    return {(group, invoice.get(field)): amounts for group, field in GROUPS}


def change(before, after):
    """{(group, key): {field: delta}} that takes the summaries from before to after.

    before or after is None for an invoice that did not or no longer exists; a summary the
    write leaves as it was is not named.
    """
    deltas = {}
    for sign, side in ((-1, contribution(before)), (1, contribution(after))):
        for target, amounts in side.items():
            row = deltas.setdefault(target, {})
            for field, amount in amounts.items():
                row[field] = row.get(field, 0) + sign * amount
    moved = {target: {f: v for f, v in row.items() if v} for target, row in deltas.items()}
    return {target: row for target, row in moved.items() if row}


def summaries_of(invoices):
    """{(group, key): {"openInvoices", "dues"}} computed from scratch (seed, migration, checks)."""
    built = {}
    for invoice in invoices:
        for target, amounts in contribution(invoice).items():
            summary = built.setdefault(target, {"openInvoices": 0, "dues": {}})
            for field, amount in amounts.items():
                if field == "openInvoices":
                    summary["openInvoices"] += amount
                    continue
                _, day, name = field.split(".")
                due = summary["dues"].setdefault(day, {})
                due[name] = due.get(name, 0) + amount
    return built


def summary_documents(institution_id, invoices, now):
    """The outstanding_balances documents of one school's invoices, built from scratch."""
    return [
        {"institutionId": institution_id, "group": group, "key": key, **summary,
         "createdAt": now, "updatedAt": now}
        for (group, key), summary in summaries_of(invoices).items()
    ]  # fmt: skip


def aged(dues, as_of):
    """{bucket: unpaid minor units} of a summary's dues on a day, and its open invoice count.

    A bucket holds the invoices whose due date is that many days before as_of (notDue: after
    it); the last bucket takes everything older.
    """
    buckets = {name: 0 for name, _ in AGEING}
    invoices = 0
    for day, due in dues.items():
        if not due.get("invoices"):
            continue
        invoices += due["invoices"]
        overdue = (as_of.date() - date.fromisoformat(day)).days
        buckets[_bucket(overdue)] += due.get("totalMinor", 0) - due.get("paidMinor", 0)
    return buckets, invoices


def _bucket(overdue):
    if overdue < 0:
        return AGEING[0][0]
    for name, most in AGEING[1:-1]:
        if overdue <= most:
            return name
    return AGEING[-1][0]
