"""The REST API under /api/ (see the domain document's contract)."""

from axes.helpers import get_client_ip_address
from axes.utils import reset
from django.conf import settings
from django.urls import path, re_path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.services import api_token_for_sign_in
from accounts.sign_in import locked_message
from backorders.api import BackorderViewSet, PurchaseOrderBackorderFlagView
from core.api import ApiAutoSchema, ErrorSerializer
from core.authentication import token_expires_at
from invoicing.api import InvoiceAccountingExportView, InvoiceViewSet
from invoicing.api_credit_notes import CreditNoteViewSet, InvoiceCreditNotesView
from invoicing.api_payments import InvoicePaymentsView, PaymentViewSet
from notifications.api import NotificationViewSet
from projects.api.views import ClientViewSet, NoteViewSet, ProjectViewSet, SalesOrderViewSet, UserViewSet
from purchasing.api.views import PurchaseOrderViewSet, SupplierViewSet
from reports.api import InvoiceReportView


class TokenView(ObtainAuthToken):
    """POST /api/auth/token/: a username and password give the user's token (the same one until it expires)."""

    authentication_classes = []
    public = True
    schema = ApiAutoSchema()

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField(style={"input_type": "password"})},
        ),
        responses={
            200: inline_serializer(
                "Token", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            ),
            429: OpenApiResponse(
                ErrorSerializer, description="Too many wrong passwords for this user name from this address lately."
            ),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        # The serializer authenticates with this request, so django-axes counts and locks the API's
        # sign-ins with the sign-in page's; it marks the (DRF) request when it refused a locked pair.
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                return Response({"detail": locked_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            raise
        user = serializer.validated_data["user"]
        if settings.AXES_RESET_ON_SUCCESS:
            # As on the sign-in page, the right password clears the earlier wrong ones from this address.
            reset(ip=get_client_ip_address(request), username=user.get_username())
        token = api_token_for_sign_in(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})


router = SimpleRouter()
router.register("users", UserViewSet, basename="api-user")
router.register("clients", ClientViewSet, basename="api-client")
router.register("suppliers", SupplierViewSet, basename="api-supplier")
router.register("projects", ProjectViewSet, basename="api-project")
router.register("sales-orders", SalesOrderViewSet, basename="api-sales-order")
router.register("purchase-orders", PurchaseOrderViewSet, basename="api-purchase-order")
router.register("backorders", BackorderViewSet, basename="api-backorder")
router.register("notes", NoteViewSet, basename="api-note")
router.register("invoices", InvoiceViewSet, basename="api-invoice")
router.register("payments", PaymentViewSet, basename="api-payment")
router.register("credit-notes", CreditNoteViewSet, basename="api-credit-note")
router.register("notifications", NotificationViewSet, basename="api-notification")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    re_path(
        r"^purchase-orders/(?P<pk>[^/.]+)/backorders/$",
        PurchaseOrderBackorderFlagView.as_view(),
        name="api-purchase-order-backorders",
    ),
    path("reports/invoices/", InvoiceReportView.as_view(), name="api-invoice-report"),
    # Before the router's routes, where "export" would read as an invoice's id.
    path("invoices/export/", InvoiceAccountingExportView.as_view(), name="api-invoice-export"),
    re_path(r"^invoices/(?P<pk>[^/.]+)/payments/$", InvoicePaymentsView.as_view(), name="api-invoice-payments"),
    # A pattern like the router's, so an id that is no number answers the API's JSON 404.
    re_path(
        r"^invoices/(?P<pk>[^/.]+)/credit-notes/$", InvoiceCreditNotesView.as_view(), name="api-invoice-credit-notes"
    ),
    *router.urls,
]
