"""What the documents addressed to one customer share (invoices, quotes): their PDFs in the
document's language with the merchant's branding and seller details, and the downloads."""
