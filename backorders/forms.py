"""The Flag backorder form (rule 1), the cancel, expected date and proposal forms; the services decide."""

import re
from datetime import date

from django import forms

from backorders.models import SupplierProposal
from backorders.services import FLAG_STATUSES, BackorderRequest
from core.errors import DomainError, ValidationFailed
from core.fields import QuantityField
from projects.models import MAX_QUANTITY
from purchasing.models import PurchaseOrder, PurchaseOrderItem

BACKORDERED_QUANTITY_REFUSAL = "Backordered quantity must be a whole number in plain digits, such as 200."

# A service error key about one requested item, e.g. items[1].quantity.
ITEM_ERROR = re.compile(r"^items\[(\d+)\]\.(\w+)$")
# The other keys the service may name, and the form field each belongs to; "items" goes on top.
FIELD_FOR_KEY = {
    "status": "status",
    "body": "note",
    "note": "note",
    "pin": "pin",
    "ready_to_invoice": "ready_to_invoice",
    "reason": "reason",
}


class BackorderFlagForm(forms.Form):
    """One row per PO item (tick, quantity, expected date) plus the PO status, the note and the SO move."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason",
        help_text="Why the goods are short; saved on each ticked item.",
    )
    status = forms.ChoiceField(
        choices=[(status.value, status.label) for status in FLAG_STATUSES],
        widget=forms.RadioSelect,
        required=False,
        label="Purchase order status",
    )
    note = forms.CharField(
        required=False,
        label="Note to the project",
        help_text="Tags the order rep and the invoicing rep; type @ to mention someone else.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    pin = forms.BooleanField(required=False, initial=True, label="Pin this note")
    ready_to_invoice = forms.BooleanField(
        required=False, initial=True, label="Move the sales order to Ready to be Invoiced"
    )

    def __init__(self, *args, purchase_order: PurchaseOrder, items: list[PurchaseOrderItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.purchase_order = purchase_order
        self.po_items = items
        self.rows = []
        for item in items:
            description = item.sales_order_item.description
            prefix = f"item-{item.pk}-"
            self.fields[prefix + "backordered"] = forms.BooleanField(required=False, label=f"Backorder {description}")
            self.fields[prefix + "quantity"] = QuantityField(
                required=False,
                label=f"Backordered quantity of {description}",
                # Plain digits only here; the service names the range the PO item allows.
                min_value=0,
                max_value=MAX_QUANTITY,
                error_messages={"invalid": BACKORDERED_QUANTITY_REFUSAL},
                widget=forms.NumberInput(attrs={"min": 1, "step": 1, "inputmode": "numeric"}),
            )
            self.fields[prefix + "expected_date"] = forms.DateField(
                required=False,
                label=f"Expected date of {description}",
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        # The index of each ticked item in the service request, to put its errors on its own row.
        self.requested_items: list[PurchaseOrderItem] = []

    def row_fields(self):
        """Yield each PO item with its three bound fields, for the template's table."""
        for item in self.po_items:
            prefix = f"item-{item.pk}-"
            yield item, self[prefix + "backordered"], self[prefix + "quantity"], self[prefix + "expected_date"]

    def clean(self):
        cleaned = super().clean()
        for item in self.po_items:
            prefix = f"item-{item.pk}-"
            ticked = cleaned.get(prefix + "backordered")
            quantity = cleaned.get(prefix + "quantity")
            if ticked and quantity is None and prefix + "quantity" not in self.errors:
                self.add_error(prefix + "quantity", "Give the backordered quantity.")
            if not ticked and quantity is not None:
                # A quantity without a tick is more likely a forgotten tick than a wish to ignore it.
                self.add_error(prefix + "backordered", "Tick the item to backorder it, or clear its quantity.")
        return cleaned

    def backorder_requests(self) -> list[BackorderRequest]:
        """The ticked rows as service requests, remembering which row each one came from."""
        reason = self.cleaned_data.get("reason", "")
        requests = []
        self.requested_items = []
        for item in self.po_items:
            prefix = f"item-{item.pk}-"
            if not self.cleaned_data.get(prefix + "backordered"):
                continue
            expected: date | None = self.cleaned_data.get(prefix + "expected_date")
            requests.append(
                BackorderRequest(
                    purchase_order_item=item,
                    quantity=self.cleaned_data[prefix + "quantity"],
                    expected_date=expected,
                    reason=reason,
                )
            )
            self.requested_items.append(item)
        return requests

    def add_service_error(self, error: DomainError) -> None:
        """Put a refusal of backorder_flag next to the field it concerns."""
        if not isinstance(error, ValidationFailed):
            self.add_error(None, str(error))
            return
        for key, messages in error.errors.items():
            field = self._field_for(key)
            for message in messages:
                self.add_error(field, message)

    def _field_for(self, key: str) -> str | None:
        match = ITEM_ERROR.match(key)
        if match:
            index, name = int(match.group(1)), match.group(2)
            if name == "reason":
                return "reason"
            if index < len(self.requested_items):
                prefix = f"item-{self.requested_items[index].pk}-"
                target = {"quantity": "quantity", "expected_date": "expected_date"}.get(name, "backordered")
                return prefix + target
            return None
        return FIELD_FOR_KEY.get(key)


class BackorderResolveForm(forms.Form):
    """The confirmation of Resolve: goods ready, with the PO's move when this is its last open backorder."""

    ready_for_billing = forms.BooleanField(required=False)

    def __init__(self, *args, backorder, offers_ready_for_billing: bool = False, **kwargs):
        super().__init__(*args, prefix=f"resolve-{backorder.pk}", **kwargs)
        self.backorder = backorder
        self.offers_ready_for_billing = offers_ready_for_billing
        self.fields["ready_for_billing"].label = f"Also move {backorder.purchase_order.number} to Ready for Billing"
        # The last open backorder of a PO: its goods are all there, so the move is what the rep usually wants.
        self.fields["ready_for_billing"].initial = offers_ready_for_billing

    def add_service_error(self, error: DomainError) -> None:
        """Put a refusal of backorder_resolve next to the box it concerns, or on top."""
        if isinstance(error, ValidationFailed) and set(error.errors) <= {"ready_for_billing"}:
            for message in error.errors["ready_for_billing"]:
                self.add_error("ready_for_billing", message)
            return
        self.add_error(None, str(error))


class BackorderCancelForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Why will these goods never ship?",
        widget=forms.TextInput,
    )


def flag_note_text(
    *, mentions: list[str], ready: list[tuple[int, str]], backordered: list[tuple[int, str, str]]
) -> str:
    """Compose the flag note: the reps' @names, what can be invoiced now, and what waits.

    static/js/flag_form.js writes the same text in the browser as rows are ticked; keep them alike.
    """
    parts = [" ".join(f"@{name}" for name in mentions)] if mentions else []
    if ready:
        parts.append("Ready to invoice now: " + ", ".join(f"{quantity} × {text}" for quantity, text in ready) + ".")
    else:
        parts.append("Nothing is ready to invoice yet.")
    if backordered:
        parts.append(
            "Backordered: "
            + ", ".join(
                f"{quantity} × {text}" + (f" expected {expected}" if expected else "")
                for quantity, text, expected in backordered
            )
            + "."
        )
    return " ".join(parts)


DATE_ERRORS = {"invalid": "Enter the date as YYYY-MM-DD."}


class BackorderExpectedDateForm(forms.Form):
    """A new expected date for one open backorder, by hand."""

    expected_date = forms.DateField(
        label="New expected date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={**DATE_ERRORS, "required": "Give the new date the supplier expects to ship."},
    )

    def __init__(self, *args, backorder, **kwargs):
        kwargs.setdefault("prefix", f"expected-{backorder.pk}")
        super().__init__(*args, **kwargs)
        self.backorder = backorder


class SupplierProposalConfirmForm(forms.Form):
    """Confirm a supplier's proposal: one click, plus a date when a proposed backorder has none to use."""

    expected_date = forms.DateField(
        label="Expected date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The supplier gave no date still ahead; say when it expects to ship.",
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args, proposal: SupplierProposal, today: date, **kwargs):
        kwargs.setdefault("prefix", f"proposal-{proposal.pk}")
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.asks_for_date = proposal.kind == SupplierProposal.Kind.BACKORDER and (
            proposal.expected_date is None or proposal.expected_date < today
        )
        if self.asks_for_date:
            field = self.fields["expected_date"]
            field.required = True
            field.error_messages["required"] = "Give the date the supplier expects to ship."
        else:
            del self.fields["expected_date"]
