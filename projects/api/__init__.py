"""The projects app's part of the REST API: serializers and viewsets."""
