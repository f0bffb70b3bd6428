"""Bank statements in: camt.053, MT940 and Stripe reports read, credits matched to open invoices."""
