from django.contrib import admin

from backorders.models import Backorder


@admin.register(Backorder)
class BackorderAdmin(admin.ModelAdmin):
    list_display = ["purchase_order", "purchase_order_item", "quantity", "expected_date", "status"]
    list_filter = ["status"]
    list_select_related = ["purchase_order", "purchase_order_item__sales_order_item"]
    # Opening and closing backorders keeps the order counters right only through the services.
    readonly_fields = [
        "purchase_order",
        "purchase_order_item",
        "quantity",
        "status",
        "raised_by",
        "closed_by",
        "closed_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A deleted open backorder would leave its quantity backordered on the sales order for ever:
        # backorders are cancelled with a reason (on the purchase order page), never deleted.
        return False
