"""The sent-email log: one row per email the SMTP server accepted that a merchant may want to
see again (a payment's receipt, refund, failure and dispute emails), written by ``app.mail``'s
one sending path."""
