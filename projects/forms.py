"""Forms of the project, note and purchase-order pages; they read input, the services decide."""

from django import forms
from django.contrib.auth.models import User

from projects.models import Client, PurchaseOrder, Supplier
from projects.services import NOTE_MAX_LENGTH


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ProjectFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        help_text="Project number, name or client",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    rep = PersonChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name", "username"),
        required=False,
        label="Rep",
        empty_label="Any rep",
    )
    client = forms.ModelChoiceField(queryset=Client.objects.order_by("name"), required=False, empty_label="Any client")


class PurchaseOrderFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        help_text="PO number, project or client",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    stage = forms.ChoiceField(choices=[("", "Any stage"), *PurchaseOrder.Stage.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *PurchaseOrder.Status.choices], required=False)
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.order_by("name"), required=False, empty_label="Any supplier"
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        help_text="Type @ and the start of a name to mention a colleague; they are notified.",
        widget=forms.Textarea(attrs={"rows": 4}),
        # Blank input is refused by the service with the message the API gives too.
        required=False,
    )
    pinned = forms.BooleanField(required=False, label="Pin this note to the top of the overview")


class PurchaseOrderStageForm(forms.Form):
    # Any stage passes the form; the service says why a move is refused, naming the current stage.
    stage = forms.ChoiceField(
        label="Move the stage to",
        choices=[("", "Choose a stage…"), *PurchaseOrder.Stage.choices],
        error_messages={"required": "Choose the stage to move the purchase order to."},
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # No stage is preselected, so a stray click on the button moves nothing.
        self.fields["stage"].widget.choices = [("", "Choose a stage…")] + [
            (stage, PurchaseOrder.Stage(stage).label) for stage in allowed
        ]


class PurchaseOrderStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Set the status to",
        choices=[("", "Choose a status…"), *PurchaseOrder.Status.choices],
        error_messages={"required": "Choose the status to set."},
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = [("", "Choose a status…")] + [
            (value, label) for value, label in PurchaseOrder.Status.choices if value != current
        ]
