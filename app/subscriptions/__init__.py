"""Subscriptions billed by Kassa: started by a checkout with recurring lines (or a paid
quote's recurring lines), charged off-session every period by the billing run, with dunning
by method and decline reason, notices before each charge, pause, resume and cancellation."""
