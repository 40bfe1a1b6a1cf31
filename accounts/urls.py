from django.urls import path

from accounts import views

urlpatterns = [
    path("sign-in-locks/", views.sign_in_locks_view, name="account-sign-in-locks"),
    path("sign-in-locks/<int:pk>/unlock/", views.sign_in_unlock_view, name="account-sign-in-unlock"),
]
