"""Fee rules: structures bill students, payments settle invoices, nothing is ever overpaid.

Every amount is an integer of minor units in the school's currency (fees.money). An
invoice's paidMinor is changed only in the transaction that adds the payment or refund
entry, by a conditional update that cannot take it past the total or below zero.
"""

from datetime import timedelta
from typing import NamedTuple

from pymongo.errors import DuplicateKeyError

from educatenext.auth.roles import PARENT, STUDENT
from educatenext.classrooms.repository import ClassroomRepository
from educatenext.fees.balances import OPEN, aged
from educatenext.fees.money import DEFAULT_CURRENCY, billed_lines, percent_of, split_evenly
from educatenext.fees.receipt import render as render_receipt
from educatenext.fees.repository import (
    FeeStructureRepository,
    InvoiceRepository,
    OutstandingBalanceRepository,
    PaymentRepository,
)
from educatenext.institutions.repository import InstitutionRepository
from educatenext.platform.http.errors import APIError, not_found, validation_error
from educatenext.platform.mongo.transactions import in_transaction
from educatenext.platform.values import utcnow
from educatenext.students.repository import CounterRepository, StudentRepository
from educatenext.users.repository import UserRepository


def school_currency(scope):
    """The ISO 4217 currency the school bills in."""
    institution = InstitutionRepository(scope).find_one({}, projection={"currency": 1}) or {}
    return institution.get("currency") or DEFAULT_CURRENCY


# Structures.


def create_structure(identity, payload):
    """Store a structure in the school's currency; its classrooms must be the school's."""
    classroom_ids = payload.get("classroomIds", [])
    known = ClassroomRepository(identity.scope).find(
        {"_id": {"$in": classroom_ids}}, projection={"_id": 1}
    )
    if len(known) != len(set(classroom_ids)):
        raise validation_error({"json": {"classroomIds": ["Not classrooms of this school."]}})
    total = sum(head["amountMinor"] for head in payload["heads"])
    document = {
        "lateFee": None,
        **payload,
        "currency": school_currency(identity.scope),
        "totalMinor": total,
        "status": "active",
    }
    return FeeStructureRepository(identity.scope).insert(document)


def list_structures(identity, args, page, limit):
    """(structures, total) for one page."""
    query = {key: args[key] for key in ("academicYear", "status") if key in args}
    return FeeStructureRepository(identity.scope).page(
        query, sort=args["sort_spec"], page=page, limit=limit
    )


def get_structure(identity, structure_id):
    """One structure of the school, or 404."""
    structure = FeeStructureRepository(identity.scope).get(structure_id)
    if structure is None:
        raise not_found("Fee structure")
    return structure


def update_structure(identity, structure_id, changes):
    """Rename or archive a structure (its invoices stay as they were issued)."""
    structure = get_structure(identity, structure_id)
    return FeeStructureRepository(identity.scope).update(structure["_id"], changes)


# Invoices.


class InvoiceBatch(NamedTuple):
    """What one generation did."""

    created: list
    existing: int  # students who already had an invoice from the structure
    exempt: int  # students whose fee category owes nothing under it


def generate_invoices(identity, structure_id, request):
    """Bill each student once from a structure, at their fee category's amounts.

    Running it again creates nothing new: a student with an invoice from the structure is
    skipped, and the unique index of (school, structure, student) settles a race.
    """
    structure = get_structure(identity, structure_id)
    if structure["status"] != "active":
        raise APIError(409, "CONFLICT", "This fee structure is archived.")
    students = _billed_students(identity, structure, request)

    def write(session):
        invoices = InvoiceRepository(identity.scope, session=session)
        already = invoices.existing_students(structure["_id"], [s["_id"] for s in students])
        owing = [
            (student, lines)
            for student in students
            if student["_id"] not in already
            and (lines := billed_lines(structure["heads"], student.get("feeCategory")))
        ]
        counters = CounterRepository(identity.scope, session=session)
        issue, now = request["issue"], utcnow()
        created = [
            invoices.insert_tracked(
                _invoice_for(structure, student, lines, counters.next_value("invoice"), issue, now)
            )
            for student, lines in owing
        ]
        return InvoiceBatch(created, len(already), len(students) - len(already) - len(owing))

    try:
        return in_transaction(write)
    except DuplicateKeyError:
        # A concurrent generation committed one of these students' invoices first: run again,
        # now seeing them (the unique index of school, structure and student).
        return in_transaction(write)


def _billed_students(identity, structure, request):
    students = StudentRepository(identity.scope)
    projection = {"classroomId": 1, "status": 1, "feeCategory": 1}
    if "classroomId" in request:
        chosen = students.find(
            {"classroomId": request["classroomId"], "status": "active"}, projection=projection
        )
        if not chosen and ClassroomRepository(identity.scope).get(request["classroomId"]) is None:
            raise validation_error({"json": {"classroomId": ["Not a classroom of this school."]}})
    else:
        wanted = set(request["studentIds"])
        chosen = students.find({"_id": {"$in": list(wanted)}}, projection=projection)
        if len(chosen) != len(wanted):
            raise validation_error({"json": {"studentIds": ["Not students of this school."]}})
    allowed = set(structure.get("classroomIds") or [])
    if allowed and any(student.get("classroomId") not in allowed for student in chosen):
        raise validation_error(
            {"json": {"classroomId": ["The structure does not apply to every student named."]}}
        )
    return chosen


def _invoice_for(structure, student, lines, number, issue, now):
    total = sum(line["amountMinor"] for line in lines)
    return {
        "number": f"INV-{number:06d}",
        "structureId": structure["_id"],
        "studentId": student["_id"],
        "classroomId": student.get("classroomId"),
        "academicYear": structure["academicYear"],
        "feeCategory": student.get("feeCategory"),
        "currency": structure["currency"],
        "lines": lines,
        "discounts": [],
        "totalMinor": total,
        "paidMinor": 0,
        "instalments": _instalments(structure["instalments"], total),
        "dueDate": structure["instalments"][0]["dueDate"],  # ageing counts from here
        "status": "issued" if issue else "draft",
        "issuedAt": now if issue else None,
    }


def _instalments(schedule, total):
    shares = split_evenly(total, len(schedule))
    return [
        {"dueDate": due["dueDate"], "amountMinor": share}
        for due, share in zip(schedule, shares, strict=True)
    ]


def visible_filter(identity, args):
    """The invoice or payment filter for the caller: parents their children, students own."""
    query = {key: args[key] for key in ("studentId", "classroomId", "structureId", "status",
                                        "invoiceId", "kind") if key in args}  # fmt: skip
    if identity.role in (PARENT, STUDENT):
        mine = (
            list(identity.child_student_ids) if identity.role == PARENT else [identity.student_id]
        )
        mine = [student_id for student_id in mine if student_id is not None]
        if "studentId" in query and query["studentId"] not in mine:
            mine = []
        query["studentId"] = {"$in": mine}
    return query


def list_invoices(identity, args, page, limit):
    """(invoices, total) the caller may see, for one page."""
    return InvoiceRepository(identity.scope).page(
        visible_filter(identity, args), sort=args["sort_spec"], page=page, limit=limit
    )


def get_invoice(identity, invoice_id):
    """One invoice the caller may see, or 404."""
    invoice = InvoiceRepository(identity.scope).get(invoice_id)
    if invoice is None or not _may_see(identity, invoice):
        raise not_found("Invoice")
    return invoice


def _may_see(identity, record):
    if identity.role == PARENT:
        return record["studentId"] in identity.child_student_ids
    if identity.role == STUDENT:
        return record["studentId"] == identity.student_id
    return True


def issue_invoice(identity, invoice_id):
    """A draft becomes payable."""
    invoice = get_invoice(identity, invoice_id)
    issued = in_transaction(
        lambda session: InvoiceRepository(identity.scope, session=session).update(
            invoice["_id"], {"status": "issued", "issuedAt": utcnow()},
            extra_filter={"status": "draft"},
        )
    )  # fmt: skip
    if issued is None:
        raise APIError(409, "CONFLICT", "Only a draft invoice can be issued.")
    return issued


def add_discount(identity, invoice_id, discount):
    """Take a discount or waiver off the total, never below what is already paid."""
    invoice = get_invoice(identity, invoice_id)
    if invoice["status"] not in ("draft", *OPEN):
        raise APIError(409, "CONFLICT", "A paid or void invoice takes no discount.")
    billed = sum(line["amountMinor"] for line in invoice["lines"])
    amount = discount.get("amountMinor") or percent_of(billed, discount["percentBp"])
    total = invoice["totalMinor"] - amount
    if amount < 1 or total < invoice["paidMinor"]:
        raise validation_error(
            {"json": {"amountMinor": ["More than the invoice's unpaid balance."]}}
        )
    entry = {**discount, "amountMinor": amount, "grantedBy": identity.user_id, "at": utcnow()}
    changes = {
        "discounts": [*invoice["discounts"], entry],
        "totalMinor": total,
        "instalments": _instalments(invoice["instalments"], total),
    }
    if total == invoice["paidMinor"] and invoice["status"] in OPEN:
        changes["status"] = "paid"
    # Only if nothing was paid or discounted since the read (else the caller retries).
    same = {"totalMinor": invoice["totalMinor"], "paidMinor": invoice["paidMinor"],
            "status": invoice["status"]}  # fmt: skip
    updated = in_transaction(
        lambda session: InvoiceRepository(identity.scope, session=session).update(
            invoice["_id"], changes, extra_filter=same
        )
    )
    if updated is None:
        raise APIError(409, "CONFLICT", "The invoice changed meanwhile; try again.")
    return updated


def void_invoice(identity, invoice_id, reason):
    """Cancel an invoice nothing was paid on (refund first when something was)."""
    invoice = get_invoice(identity, invoice_id)
    voided = in_transaction(
        lambda session: InvoiceRepository(identity.scope, session=session).update(
            invoice["_id"],
            {"status": "void", "voidReason": reason, "voidedAt": utcnow()},
            extra_filter={"paidMinor": 0, "status": {"$ne": "void"}},
        )
    )
    if voided is None:
        raise APIError(409, "CONFLICT", "Only an invoice with nothing paid can be voided.")
    return voided


def apply_late_fees(identity, as_of):
    """Charge each structure's late fee once per instalment unpaid past its grace days.

    An instalment is unpaid while what was paid does not reach the instalments up to and
    including it (payments settle instalments in due-date order). Running it again charges
    nothing new: each charge names its instalment's due date on the invoice.
    """
    structures = {
        s["_id"]: s["lateFee"]
        for s in FeeStructureRepository(identity.scope).find(
            {"lateFee": {"$ne": None}}, projection={"lateFee": 1}
        )
    }
    invoices = InvoiceRepository(identity.scope)
    charged = 0
    for structure_id, rule in structures.items():
        latest_due = as_of - timedelta(days=rule["graceDays"] + 1)
        query = {"structureId": structure_id, "status": {"$in": list(OPEN)},
                 "dueDate": {"$lte": latest_due}}  # fmt: skip
        for invoice in invoices.find(query):
            dues = _late_instalments(invoice, latest_due)
            if dues and _charge_late_fee(identity, invoice, dues, rule["amountMinor"]):
                charged += len(dues)
    return charged


def _late_instalments(invoice, latest_due):
    """Due dates of instalments unpaid and past grace, not charged a late fee yet."""
    already = set(invoice.get("lateFeeDueDates") or [])
    late, covered = [], 0
    for instalment in invoice["instalments"]:
        covered += instalment["amountMinor"]
        unpaid = invoice["paidMinor"] < covered
        if unpaid and instalment["dueDate"] <= latest_due and instalment["dueDate"] not in already:
            late.append(instalment["dueDate"])
    return late


def _charge_late_fee(identity, invoice, dues, amount):
    lines = [*invoice["lines"]]
    lines += [{"code": "late_fee", "name": f"Late fee (due {due:%Y-%m-%d})", "amountMinor": amount}
              for due in dues]  # fmt: skip
    instalments = [
        {**item, "amountMinor": item["amountMinor"] + (amount if item["dueDate"] in dues else 0)}
        for item in invoice["instalments"]
    ]
    changes = {
        "lines": lines,
        "instalments": instalments,
        "totalMinor": invoice["totalMinor"] + amount * len(dues),
        "lateFeeDueDates": [*(invoice.get("lateFeeDueDates") or []), *dues],
    }
    # Only if nothing was paid, discounted or charged since the read.
    same = {"totalMinor": invoice["totalMinor"], "paidMinor": invoice["paidMinor"]}
    charged = in_transaction(
        lambda session: InvoiceRepository(identity.scope, session=session).update(
            invoice["_id"], changes, extra_filter=same
        )
    )
    return charged is not None


# Reports.


def outstanding_report(identity, args, page, limit):
    """(report, total) of unpaid balances per classroom or student, aged from due dates.

    Read from the balance summaries (fees.balances), one page of classrooms or students.
    """
    as_of = args.get("asOf") or utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    group = args["groupBy"]
    summaries, total = OutstandingBalanceRepository(identity.scope).open_page(group, page, limit)
    field = f"{group}Id"
    rows = []
    for summary in summaries:
        buckets, invoices = aged(summary.get("dues") or {}, as_of)
        rows.append({field: summary["key"], "invoices": invoices,
                     "balanceMinor": sum(buckets.values()), **buckets})  # fmt: skip
    report = {"asOf": as_of, "currency": school_currency(identity.scope), "rows": rows}
    return report, total


def collections_report(identity, args):
    """Money taken and refunded per day and method between two days (inclusive)."""
    start, end = f"{args['from']:%Y-%m-%d}", f"{args['to']:%Y-%m-%d}"
    if start > end:
        raise validation_error({"query": {"to": ["On or after from."]}})
    rows = {}
    for (day, method, kind), (total, count) in (
        PaymentRepository(identity.scope).per_day(start, end).items()
    ):
        row = rows.setdefault((day, method), {"day": day, "method": method, "paymentsMinor": 0,
                                              "refundsMinor": 0, "payments": 0})  # fmt: skip
        if kind == "refund":
            row["refundsMinor"] += total
        else:
            row["paymentsMinor"] += total
            row["payments"] += count
    ordered = [rows[key] for key in sorted(rows)]
    return {"currency": school_currency(identity.scope), "rows": ordered}


def heads_report(identity, academic_year):
    """What each fee head billed in a year (void invoices excluded), before discounts."""
    rows = InvoiceRepository(identity.scope).head_totals(academic_year)
    return {
        "academicYear": academic_year,
        "currency": school_currency(identity.scope),
        "rows": [
            {
                "code": row["_id"],
                "name": row["name"],
                "billedMinor": row["billed"],
                "invoices": row["invoices"],
            }
            for row in rows
        ],
    }


# Payments.


def take_payment(identity, payload):
    """Record a payment with the next receipt number, in one transaction with the invoice.

    The receipt counter, the invoice's paid amount and the payment entry commit together or
    not at all, so receipt numbers have no gaps and no payment is lost or counted twice.
    """
    invoice = get_invoice(identity, payload["invoiceId"])

    def write(session):
        payments = PaymentRepository(identity.scope, session=session)
        if earlier := payments.resumed_insert():
            return earlier, InvoiceRepository(identity.scope, session=session).get(invoice["_id"])
        # The receipt counter first: every payment and refund of the school writes it, so two
        # at once conflict on their first statement and the loser retries before other work.
        number = CounterRepository(identity.scope, session=session).next_value("receipt")
        updated = InvoiceRepository(identity.scope, session=session).record_payment(
            invoice["_id"], payload["amountMinor"]
        )
        if updated is None:
            raise _refused_payment(identity, invoice["_id"], payload["amountMinor"])
        payment = payments.insert(
            {
                **payload,
                "kind": "payment",
                "invoiceId": invoice["_id"],
                "studentId": invoice["studentId"],
                "currency": invoice["currency"],
                "receiptNumber": f"R-{number:06d}",
                "receivedBy": identity.user_id,
                **_booked_now(),
            }
        )
        return payment, updated

    return in_transaction(write)


def _refused_payment(identity, invoice_id, amount):
    current = InvoiceRepository(identity.scope).get(invoice_id)
    if current["status"] not in OPEN:
        return APIError(409, "CONFLICT", f"A {current['status']} invoice takes no payment.")
    balance = current["totalMinor"] - current["paidMinor"]
    return APIError(
        409, "CONFLICT", "The payment is more than the invoice's balance.",
        details=[{"field": "amountMinor", "message": f"At most {balance}.", "location": "json"}],
    )  # fmt: skip


def refund_payment(identity, payment_id, refund):
    """Give back part or all of a payment, as a new refund entry with its own receipt."""
    payment = get_payment(identity, payment_id)
    if payment["kind"] != "payment":
        raise APIError(409, "CONFLICT", "Only a payment can be refunded.")

    def write(session):
        payments = PaymentRepository(identity.scope, session=session)
        if earlier := payments.resumed_insert():
            invoice = InvoiceRepository(identity.scope, session=session).get(payment["invoiceId"])
            return earlier, invoice
        number = CounterRepository(identity.scope, session=session).next_value("receipt")  # first
        if payments.refunded_minor(payment["_id"]) + refund["amountMinor"] > payment["amountMinor"]:
            raise APIError(409, "CONFLICT", "More than what is left of the payment.")
        updated = InvoiceRepository(identity.scope, session=session).record_refund(
            payment["invoiceId"], refund["amountMinor"]
        )
        if updated is None:
            raise APIError(409, "CONFLICT", "More than what is paid on the invoice.")
        entry = payments.insert(
            {
                **refund,
                "kind": "refund",
                "invoiceId": payment["invoiceId"],
                "studentId": payment["studentId"],
                "currency": payment["currency"],
                "method": payment["method"],
                "refundOf": payment["_id"],
                "receiptNumber": f"R-{number:06d}",
                "receivedBy": identity.user_id,
                **_booked_now(),
            }
        )
        return entry, updated

    return in_transaction(write)


def _booked_now():
    """Timestamps of a new entry, and the month it counts in (monthly summaries)."""
    now = utcnow()
    return {"createdAt": now, "updatedAt": now, "day": f"{now:%Y-%m-%d}", "month": f"{now:%Y-%m}"}


def list_payments(identity, args, page, limit):
    """(payments and refunds, total) the caller may see, for one page."""
    return PaymentRepository(identity.scope).page(
        visible_filter(identity, args), sort=args["sort_spec"], page=page, limit=limit
    )


def receipt(identity, payment_id):
    """(PDF bytes, file name) of a payment's or refund's receipt."""
    payment = get_payment(identity, payment_id)
    invoice = InvoiceRepository(identity.scope).get(payment["invoiceId"])
    student = StudentRepository(identity.scope).get(payment["studentId"], {"name": 1}) or {}
    cashier = UserRepository(identity.scope).get(payment["receivedBy"], {"name": 1}) or {}
    institution = InstitutionRepository(identity.scope).find_one({}, projection={"name": 1})
    original = payment.get("refundOf") and PaymentRepository(identity.scope).get(
        payment["refundOf"], {"receiptNumber": 1}
    )
    view = {
        **payment,
        "school": (institution or {}).get("name", ""),
        "student": student.get("name", ""),
        "invoiceNumber": invoice["number"],
        "invoiceTotalMinor": invoice["totalMinor"],
        "receivedBy": cashier.get("name", ""),
        "refundOf": original["receiptNumber"] if original else None,
    }
    return render_receipt(view), f"{payment['receiptNumber']}.pdf"


def get_payment(identity, payment_id):
    """One payment or refund the caller may see, or 404."""
    payment = PaymentRepository(identity.scope).get(payment_id)
    if payment is None or not _may_see(identity, payment):
        raise not_found("Payment")
    return payment
