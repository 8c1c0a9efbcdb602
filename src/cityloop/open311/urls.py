from django.urls import URLPattern, re_path

from cityloop.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns: list[URLPattern] = [
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="token"),
]
