from django.contrib.auth import views as auth_views
from django.urls import path

from cityloop.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("role/", views.role_switch, name="role_switch"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/login.html",
                                                         redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
