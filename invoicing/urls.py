from django.urls import path

from invoicing.views import aging, credit_notes, invoices, payments

urlpatterns = [
    path("aging/", aging.invoice_aging, name="invoice-aging"),
    path("new/<int:sales_order_pk>/", invoices.invoice_create_view, name="invoice-create"),
    path("<int:pk>/", invoices.invoice_detail, name="invoice-detail"),
    path("<int:pk>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path("<int:pk>/send/", invoices.invoice_send_view, name="invoice-send"),
    path("<int:pk>/status/", invoices.invoice_status_view, name="invoice-status"),
    path("<int:pk>/void/", invoices.invoice_void_view, name="invoice-void"),
    path("<int:pk>/undo/", invoices.invoice_undo_view, name="invoice-undo"),
    path("<int:pk>/payments/", payments.invoice_payment_record_view, name="invoice-payment-record"),
    path("<int:pk>/payments/undo/", payments.invoice_payment_undo_view, name="invoice-payment-undo"),
    path("<int:pk>/credit/", credit_notes.credit_note_create_view, name="credit-note-create"),
    path("credit-notes/<int:pk>/", credit_notes.credit_note_detail_view, name="credit-note-detail"),
    path("credit-notes/<int:pk>/pdf/", credit_notes.credit_note_pdf_view, name="credit-note-pdf"),
    path("<int:pk>/edit/", invoices.invoice_edit_view, name="invoice-edit"),
    path("<int:pk>/issue/", invoices.invoice_issue_view, name="invoice-issue"),
    path("<int:pk>/delete/", invoices.invoice_delete_view, name="invoice-delete"),
    path("c/<str:token>/", invoices.invoice_client_view, name="invoice-client-view"),
    path("c/<str:token>/pdf/", invoices.invoice_client_pdf, name="invoice-client-pdf"),
]
