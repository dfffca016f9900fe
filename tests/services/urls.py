"""The demo shop plus two endpoints that call identify() and track() with posted data."""

import json

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

import personalize


@csrf_exempt
def identify_view(request):
    data = json.loads(request.body)
    email = data.pop("email", None)
    verified = data.pop("verified", False)
    try:
        visitor_id = personalize.identify(request, email=email, verified=verified, **data)
    except personalize.InvalidTraits as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"visitor": visitor_id})


@csrf_exempt
def track_view(request):
    data = json.loads(request.body)
    try:
        event = personalize.track(request, data.pop("name"), data.pop("value", None), **data)
    except personalize.InvalidEvent as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"tracked": event is not None})


@csrf_exempt
def login_view(request):
    from django.contrib.auth import authenticate, login

    user = authenticate(request, username=request.POST["username"], password=request.POST["pw"])
    login(request, user)  # user_logged_in links this browser's visitor to the user
    return JsonResponse({"user": user.pk})


urlpatterns = [
    path("t/login/", login_view),
    path("t/identify/", identify_view),
    path("t/track/", track_view),
    path("", include("demo_site.urls")),
]
