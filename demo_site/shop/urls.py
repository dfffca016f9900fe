from django.urls import path

from demo_site.shop import views

app_name = "shop"

urlpatterns = [
    path("", views.home, name="home"),
    path("clubs/", views.clubs, name="clubs"),
    path("clubs/<slug:slug>/", views.product, name="product"),
    path("clubs/<slug:slug>/buy/", views.buy, name="buy"),
    path("clubs/<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("inspiration/", views.inspiration, name="inspiration"),
    path("inspiration/<slug:slug>/", views.article, name="article"),
    path("deals/", views.deals, name="deals"),
    path("offers/", views.offers, name="offers"),
    path("compare/", views.compare, name="compare"),
    path("help/shipping/", views.help_page, {"topic": "shipping"}, name="shipping"),
    path("help/returns/", views.help_page, {"topic": "returns"}, name="returns"),
    path("search/", views.search, name="search"),
    path("guide/", views.guide, name="guide"),
]
