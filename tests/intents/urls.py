"""A tiny site for intent tests: every page shows which intent the visitor has right now."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path, re_path

PAGE = engines["django"].from_string(
    "{% load personalize %}<p>"
    '{% intent "deal-seeking" %}deal{% else %}no deal{% endintent %} '
    '{% intent "decided-with-concerns" %}concerns{% else %}no concerns{% endintent %} '
    "strongest={{ request.visitor.intent|default:'none' }}</p>"
)


def page(request, *args):
    return HttpResponse(PAGE.render({}, request))


def interest_page(request, *args):
    template = engines["django"].from_string(
        '{% load personalize %}{% interest "golf" "beginner" %}{% interest "golf" %}'
        "{% if request.GET.topic %}{% interest request.GET.topic %}{% endif %}<p>guide</p>"
    )
    return HttpResponse(template.render({}, request))


urlpatterns = [
    path("guide/", interest_page),
    re_path(r"^(.*)$", page),
]
