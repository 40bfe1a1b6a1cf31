"""The caller's own notifications over HTTP: list them, mark one or all read."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ApiViewMixin, enum_field
from notifications.models import Notification
from notifications.services import notification_mark_all_read, notification_mark_read

NotificationKindField = enum_field("NotificationKind", Notification.Kind.choices)


class NotificationSerializer(serializers.ModelSerializer):
    kind = NotificationKindField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "url", "project", "created_at", "read_at"]
        read_only_fields = fields


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="Only unread (or read).")
    kind = filters.ChoiceFilter(choices=Notification.Kind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Only the caller's own notifications exist here; anyone else's answer 404."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one of the caller's notifications read (again is fine)."""
        notification = notification_mark_read(notification=self.get_object(), by=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("NotificationsReadAll", {"updated": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None, pagination_class=None)
    def read_all(self, request):
        """Mark every unread notification of the caller read; `updated` says how many changed."""
        return Response({"updated": notification_mark_all_read(by=request.user)})
