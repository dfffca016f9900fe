"""What every personalize admin screen shares."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect


def _holds_nul(request) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class ModelAdmin(admin.ModelAdmin):
    """``admin.ModelAdmin`` whose lists take no filter or search value a database cannot hold
    (a NUL character, which PostgreSQL refuses outright): a filter is refused as the admin
    refuses an unknown one (back to the list with its error flag), a search finds nothing."""

    def changelist_view(self, request, extra_context=None):
        if _holds_nul(request):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        if "\x00" in search_term:  # the changelist and the autocomplete of other screens
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)
