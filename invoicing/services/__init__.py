"""Every write on invoices, one module per concern: issuing, drafts, status marks, voiding and sending.

Each money write takes its locks in the order core/locks.py documents (sales order, then its items, then
the invoice), through core.transactions.money_write.
"""
