"""PromoStandards, the promotional-products industry's SOAP standards: the Order Status Service 1.0.0.

order_status.wsdl describes the service; client.py asks a supplier for a PO's status through zeep;
statuses.py names the status ids; simulator.py is a small supplier that answers from a table, for
tests and for trying the sync locally (`manage.py run_supplier_simulator`). addresses.py says which
addresses the desk calls (https, public, or a host SUPPLIER_SERVICE_ALLOWED_HOSTS names), transport.py
holds it to that when connecting, and failures.py words what the supplier's page says when a call fails.
"""
