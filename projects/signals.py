"""Signals projects sends for the apps above it to react to, inside the sender's transaction."""

from django.dispatch import Signal

# Sent by project_update inside its transaction when a project moves to another client, with project
# and previous_client_id: what the apps above keep per client (an invoice's client) moves with it.
project_client_changed = Signal()
