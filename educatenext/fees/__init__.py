"""Fees: structures, invoices, payments and refunds, in integer minor units."""
