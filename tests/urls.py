"""Extra views for tests, mounted under /t/ in front of the demo."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.cache import cache_control

from personalize.decorators import cacheable_page, no_page_view


def slot_page(request):
    return render(request, "t/slot.html")


def cms_preview(request):
    request.is_preview = True  # as a CMS marks its page previews (Wagtail does)
    return render(request, "t/slot.html")


@cache_control(public=True, max_age=600)
def plain_page(request):
    return render(request, "t/plain.html")


@cache_control(public=True, max_age=600)
def public_slot_page(request):
    return render(request, "t/slot.html")


@cache_control(public=True, max_age=600)
@cacheable_page
def shared_page(request):
    """A page a shared cache serves to everyone: a client-side slot and a server-side one."""
    return render(request, "t/shared.html")


LAUNCH = """<!doctype html><html><head><link rel="icon" href="data:,">
<script type="speculationrules">{"prerender": [{"source": "list", "urls": [%(to)s]}]}</script>
</head><body><script>setTimeout(function () { location.href = %(to)s; }, %(after)d);</script>
</body></html>"""


def launch(request):
    """A page that asks the browser to prerender ``?to=`` and goes there ``?after=`` ms later."""
    to = request.GET.get("to", "/")
    if not to.startswith("/") or to.startswith("//"):
        to = "/"
    after = int(request.GET.get("after", "3000"))
    return HttpResponse(LAUNCH % {"to": json.dumps(to), "after": after})


def json_view(request):
    return JsonResponse({"ok": True})


@no_page_view
def exempt_page(request):
    return render(request, "t/slot.html")


def checkout(request):
    """A view using request.visitor and the Python API, as the README shows."""
    import personalize

    return JsonResponse(
        {
            "big_spender": request.visitor.in_segment("big-spenders"),
            "intent": request.visitor.intent,
            "tracked": personalize.track(request, "purchase", value=299),
            "identified": personalize.identify(request, email="jeff@example.com"),
        }
    )


def missing(request):
    return HttpResponse("nope", status=404, content_type="text/html")


def boom(request):
    raise RuntimeError("view failure")


urlpatterns = [
    path("t/slot/", slot_page),
    path("t/cms-preview/", cms_preview),
    path("t/plain/", plain_page),
    path("t/public-slot/", public_slot_page),
    path("t/shared/", shared_page),
    path("t/launch/", launch),
    path("t/json/", json_view),
    path("t/exempt/", exempt_page),
    path("t/checkout/", checkout),
    path("t/missing/", missing),
    path("", include("demo_site.urls")),
]
