"""Invoices: numbered documents addressed to one customer, paid in full or in parts through the
shared checkout, voided with a credit note, delivered by email with their PDF and reminded."""
