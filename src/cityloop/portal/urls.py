from django.urls import path

from cityloop.portal import views

app_name = "portal"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/thanks/", views.reported, name="reported"),
    path("track/", views.track, name="track"),
    path("track/code/", views.code, name="code"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("mine/", views.mine, name="mine"),
    path("tickets/<str:number>/", views.ticket, name="ticket"),
    path("tickets/<str:number>/rate/", views.rate, name="rate"),
    path("tickets/<str:number>/subscription/", views.subscribe, name="subscribe"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("map/", views.public_map, name="map"),
    path("map/data.json", views.map_data, name="map_data"),
    path("map/grids.json", views.grids, name="grids"),
]
