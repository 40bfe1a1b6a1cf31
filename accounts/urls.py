from django.urls import path

from accounts import views

urlpatterns = [
    path("tokens/", views.tokens_view, name="account-tokens"),
    path("tokens/new/", views.token_create_view, name="account-token-create"),
    path("tokens/revoke/", views.token_revoke_view, name="account-token-revoke"),
    path("sign-in-locks/", views.sign_in_locks_view, name="account-sign-in-locks"),
    path("sign-in-locks/<int:pk>/unlock/", views.sign_in_unlock_view, name="account-sign-in-unlock"),
]
