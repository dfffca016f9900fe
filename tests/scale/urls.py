"""A page that asks about a static segment, for the hot-path tests."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

PAGE = engines["django"].from_string(
    "{% load personalize %}<p>{% segment 'vip' %}VIP{% else %}regular{% endsegment %}</p>"
)


def page(request):
    return HttpResponse(PAGE.render({}, request))


urlpatterns = [
    path("vip/", page),
    path("", include("demo_site.urls")),
]
