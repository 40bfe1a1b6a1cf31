"""PromoStandards, the promotional-products industry's SOAP standards: the Order Status Service 1.0.0.

order_status.wsdl describes the service; client.py asks a supplier for a PO's status through zeep;
statuses.py names the status ids; simulator.py is a small supplier that answers from a table, for
tests and for trying the sync locally (`manage.py run_supplier_simulator`).
"""
