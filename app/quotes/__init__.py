"""Quotes: proposals addressed to one customer, sent with a link and a PDF, accepted by a click
or a typed signature (optionally countersigned), paid in full, by a deposit or on a schedule
whose later parts charge the method saved at acceptance, and converted into invoices."""
