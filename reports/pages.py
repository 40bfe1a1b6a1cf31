"""What reports/ adds to lower apps' pages: a supplier's performance on the supplier page."""

from django.http import HttpRequest
from django.utils import timezone

from purchasing.models import Supplier
from purchasing.pages import supplier_page
from reports.supplier_performance import DEFAULT_DAYS, supplier_performance_of


@supplier_page.provide
def supplier_performance_section(request: HttpRequest, supplier: Supplier) -> dict:
    period, performance = supplier_performance_of(supplier_id=supplier.pk, today=timezone.localdate())
    return {
        "performance_period": period,
        "performance_days": DEFAULT_DAYS,
        "performance": performance,
        "performance_shown": performance.shown(),
    }
