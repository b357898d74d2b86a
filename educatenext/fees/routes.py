"""/api/v1/fees: fee structures, invoices, payments and refunds."""

from flask import Response
from flask.views import MethodView

from educatenext.auth.identity import current_identity
from educatenext.auth.permissions import allow
from educatenext.auth.ratelimits import resource_limits
from educatenext.auth.roles import ADMIN, CASHIER, FINANCE, PARENT, STUDENT
from educatenext.caching.responses import cached
from educatenext.extensions import Blueprint
from educatenext.fees import service
from educatenext.fees.schemas import (
    CollectionsQuerySchema,
    CollectionsReportSchema,
    DiscountSchema,
    FeeStructureCreateSchema,
    FeeStructureEnvelopeSchema,
    FeeStructureQuerySchema,
    FeeStructureSchema,
    FeeStructureUpdateSchema,
    HeadsQuerySchema,
    HeadsReportSchema,
    InvoiceBatchSchema,
    InvoiceEnvelopeSchema,
    InvoiceGenerateSchema,
    InvoiceQuerySchema,
    InvoiceSchema,
    LateFeeResultSchema,
    LateFeeRunSchema,
    OutstandingQuerySchema,
    OutstandingReportSchema,
    PaymentCreateSchema,
    PaymentEnvelopeSchema,
    PaymentQuerySchema,
    PaymentSchema,
    RefundCreateSchema,
    VoidSchema,
)
from educatenext.idempotency.service import idempotent, idempotent_required
from educatenext.platform.http.pagination import page_window, pagination_headers
from educatenext.platform.values import utcnow

blp = Blueprint("fees", __name__, url_prefix="/fees", description="Fees and payments")
MANAGERS = (ADMIN, FINANCE)
TELLERS = (ADMIN, FINANCE, CASHIER)
READERS = (ADMIN, FINANCE, CASHIER, PARENT, STUDENT)
STRUCTURE_EXAMPLE = {
    "name": "Grade 5 2025-2026", "academicYear": "2025-2026",
    "heads": [{"code": "tuition", "name": "Tuition", "amountMinor": 120000},
              {"code": "transport", "name": "Bus", "amountMinor": 30000}],
    "instalments": [{"dueDate": "2025-09-15"}, {"dueDate": "2026-01-15"}],
    "lateFee": {"amountMinor": 2500, "graceDays": 14},
}  # fmt: skip


@blp.route("/structures")
class StructureList(MethodView):
    """A school's fee structures."""

    decorators = resource_limits()

    @allow(*TELLERS)
    @blp.arguments(FeeStructureQuerySchema, location="query")
    @blp.response(200, FeeStructureSchema(many=True))
    def get(self, args):
        """List fee structures."""
        page, limit = page_window(args)
        items, total = service.list_structures(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(*MANAGERS)
    @idempotent
    @blp.arguments(FeeStructureCreateSchema, example=STRUCTURE_EXAMPLE)
    @blp.response(201, FeeStructureEnvelopeSchema)
    def post(self, payload):
        """Create a fee structure (amounts in minor units of the school's currency)."""
        structure = service.create_structure(current_identity(), payload)
        return {"message": "Fee structure created.", "structure": structure}


@blp.route("/structures/<structure_id>")
class StructureDetail(MethodView):
    """One fee structure."""

    decorators = resource_limits()

    @allow(*TELLERS)
    @blp.response(200, FeeStructureSchema)
    def get(self, structure_id):
        """Get a fee structure."""
        return service.get_structure(current_identity(), structure_id)

    @allow(*MANAGERS)
    @blp.arguments(FeeStructureUpdateSchema)
    @blp.response(200, FeeStructureEnvelopeSchema)
    def patch(self, changes, structure_id):
        """Rename or archive a fee structure."""
        structure = service.update_structure(current_identity(), structure_id, changes)
        return {"message": "Fee structure updated.", "structure": structure}


@blp.route("/structures/<structure_id>/invoices")
class StructureInvoices(MethodView):
    """Billing students from a structure."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @idempotent
    @blp.arguments(InvoiceGenerateSchema, example={"classroomId": "665f1c2ab7e4a1d2c3b4a5e1"})
    @blp.response(201, InvoiceBatchSchema)
    def post(self, request, structure_id):
        """Invoice a classroom's active students or named students (once each)."""
        batch = service.generate_invoices(current_identity(), structure_id, request)
        return {
            "message": f"{len(batch.created)} invoices created.",
            "created": len(batch.created),
            "existing": batch.existing,
            "exempt": batch.exempt,
            "invoices": batch.created,
        }


@blp.route("/invoices")
class InvoiceList(MethodView):
    """Invoices: finance and cashiers see all, parents their children's, students their own."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.arguments(InvoiceQuerySchema, location="query")
    @blp.response(200, InvoiceSchema(many=True))
    def get(self, args):
        """List invoices."""
        page, limit = page_window(args)
        items, total = service.list_invoices(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)


@blp.route("/invoices/<invoice_id>")
class InvoiceDetail(MethodView):
    """One invoice."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.response(200, InvoiceSchema)
    def get(self, invoice_id):
        """Get an invoice with its balance."""
        return service.get_invoice(current_identity(), invoice_id)


@blp.route("/invoices/<invoice_id>/issue")
class InvoiceIssue(MethodView):
    """Issuing a draft."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @blp.response(200, InvoiceEnvelopeSchema)
    def post(self, invoice_id):
        """Make a draft invoice payable."""
        invoice = service.issue_invoice(current_identity(), invoice_id)
        return {"message": "Invoice issued.", "invoice": invoice}


@blp.route("/invoices/<invoice_id>/discounts")
class InvoiceDiscounts(MethodView):
    """Discounts and waivers."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @idempotent
    @blp.arguments(DiscountSchema, example={"reason": "Sibling discount", "percentBp": 1000})
    @blp.response(201, InvoiceEnvelopeSchema)
    def post(self, discount, invoice_id):
        """Take a discount or waiver off an invoice (with its reason; audited)."""
        invoice = service.add_discount(current_identity(), invoice_id, discount)
        return {"message": "Discount applied.", "invoice": invoice}


@blp.route("/invoices/<invoice_id>/void")
class InvoiceVoid(MethodView):
    """Cancelling an invoice."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @blp.arguments(VoidSchema)
    @blp.response(200, InvoiceEnvelopeSchema)
    def post(self, body, invoice_id):
        """Void an invoice nothing was paid on."""
        invoice = service.void_invoice(current_identity(), invoice_id, body["reason"])
        return {"message": "Invoice voided.", "invoice": invoice}


@blp.route("/late-fees")
class LateFees(MethodView):
    """Charging the late-fee rule."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @blp.arguments(LateFeeRunSchema, example={"asOf": "2026-02-01"})
    @blp.response(200, LateFeeResultSchema)
    def post(self, run):
        """Charge late fees due as of a day (each instalment once; a rerun charges nothing)."""
        as_of = run.get("asOf") or utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        charged = service.apply_late_fees(current_identity(), as_of)
        return {"message": f"{charged} late fees charged.", "charged": charged}


@blp.route("/reports/outstanding")
class OutstandingReport(MethodView):
    """Who owes what, and for how long."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @cached("fees")
    @blp.arguments(OutstandingQuerySchema, location="query")
    @blp.response(200, OutstandingReportSchema)
    def get(self, args):
        """Outstanding balances per classroom or student in ageing buckets (0-30 ... 90+ days)."""
        page, limit = page_window(args)
        report, total = service.outstanding_report(current_identity(), args, page, limit)
        return report, 200, pagination_headers(total, page, limit)


@blp.route("/reports/collections")
class CollectionsReport(MethodView):
    """What was taken, when and how."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @cached("fees")
    @blp.arguments(CollectionsQuerySchema, location="query")
    @blp.response(200, CollectionsReportSchema)
    def get(self, args):
        """Payments and refunds per day and method between two days."""
        return service.collections_report(current_identity(), args)


@blp.route("/reports/heads")
class HeadsReport(MethodView):
    """What each fee head billed."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @cached("fees")
    @blp.arguments(HeadsQuerySchema, location="query")
    @blp.response(200, HeadsReportSchema)
    def get(self, args):
        """Fee-head totals for an academic year."""
        return service.heads_report(current_identity(), args["academicYear"])


@blp.route("/payments")
class PaymentList(MethodView):
    """Payments and refunds."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.arguments(PaymentQuerySchema, location="query")
    @blp.response(200, PaymentSchema(many=True))
    def get(self, args):
        """List payments and refunds."""
        page, limit = page_window(args)
        items, total = service.list_payments(current_identity(), args, page, limit)
        return items, 200, pagination_headers(total, page, limit)

    @allow(*TELLERS)
    @idempotent_required
    @blp.arguments(
        PaymentCreateSchema,
        example={"invoiceId": "665f1c2ab7e4a1d2c3b4a5f6", "amountMinor": 50000, "method": "cash"},
    )
    @blp.response(201, PaymentEnvelopeSchema)
    def post(self, payload):
        """Take a payment (Idempotency-Key required: a retry never charges twice)."""
        payment, invoice = service.take_payment(current_identity(), payload)
        return {"message": "Payment recorded.", "payment": payment, "invoice": invoice}


@blp.route("/payments/<payment_id>")
class PaymentDetail(MethodView):
    """One payment or refund."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.response(200, PaymentSchema)
    def get(self, payment_id):
        """Get a payment or refund."""
        return service.get_payment(current_identity(), payment_id)


@blp.route("/payments/<payment_id>/receipt")
class PaymentReceipt(MethodView):
    """A receipt as a PDF."""

    decorators = resource_limits()

    @allow(*READERS)
    @blp.doc(responses={"200": {"description": "The receipt as a one-page A5 PDF",
                                "content": {"application/pdf": {}}}})  # fmt: skip
    def get(self, payment_id):
        """The receipt of a payment or refund as a PDF."""
        document, name = service.receipt(current_identity(), payment_id)
        headers = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "private, no-store"}  # fmt: skip
        return Response(document, mimetype="application/pdf", headers=headers)


@blp.route("/payments/<payment_id>/refunds")
class PaymentRefunds(MethodView):
    """Refunds of a payment."""

    decorators = resource_limits()

    @allow(*MANAGERS)
    @idempotent_required
    @blp.arguments(RefundCreateSchema, example={"amountMinor": 10000, "reason": "Overcharged"})
    @blp.response(201, PaymentEnvelopeSchema)
    def post(self, refund, payment_id):
        """Refund part or all of a payment, as a new entry (the payment is never edited)."""
        entry, invoice = service.refund_payment(current_identity(), payment_id, refund)
        return {"message": "Refund recorded.", "payment": entry, "invoice": invoice}
