"""Pages of the Fairway Golf demo shop."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.http import require_POST

import personalize
from demo_site.shop.models import Article, Product
from personalize.decorators import cacheable_page

#: How long shared caches (and Django's cache) keep the offers page.
OFFERS_MAX_AGE = 300


def home(request):
    return render(
        request,
        "shop/home.html",
        {
            "featured": Product.objects.filter(featured=True)[:3],
            "articles": Article.objects.all()[:2],
        },
    )


def clubs(request):
    level = request.GET.get("level", "")
    products = Product.objects.all()
    if level in Product.Level.values:
        products = products.filter(level=level)
    return render(
        request,
        "shop/clubs.html",
        {"products": products, "level": level, "levels": Product.Level.choices},
    )


def product(request, slug):
    item = get_object_or_404(Product, slug=slug)
    related = Product.objects.exclude(pk=item.pk).filter(level=item.level)[:3]
    return render(request, "shop/product.html", {"product": item, "related": related})


@require_POST
def buy(request, slug):
    item = get_object_or_404(Product, slug=slug)
    personalize.track(request, "purchase", value=item.current_price, product=item.slug)
    messages.success(request, f"Thank you! Your {item.name} is on its way.")
    return redirect("shop:thanks", slug=item.slug)


def thanks(request, slug):
    item = get_object_or_404(Product, slug=slug)
    return render(request, "shop/thanks.html", {"product": item})


def inspiration(request):
    return render(request, "shop/inspiration.html", {"articles": Article.objects.all()})


def article(request, slug):
    item = get_object_or_404(Article, slug=slug)
    return render(request, "shop/article.html", {"article": item})


def deals(request):
    return render(
        request, "shop/deals.html", {"products": Product.objects.filter(sale_price__isnull=False)}
    )


@cache_page(OFFERS_MAX_AGE)
@cache_control(public=True)
@cacheable_page
def offers(request):
    """Served whole from a shared cache; its slots are filled in the browser (client-side)."""
    return render(
        request,
        "shop/offers.html",
        {"products": Product.objects.filter(sale_price__isnull=False), "max_age": OFFERS_MAX_AGE},
    )


def compare(request):
    return render(
        request, "shop/compare.html", {"products": Product.objects.filter(kind="Club set")}
    )


def help_page(request, topic):
    template = {"shipping": "shop/help_shipping.html", "returns": "shop/help_returns.html"}[topic]
    return render(request, template)


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    results = []
    if query:
        results = Product.objects.filter(
            Q(name__icontains=query) | Q(summary__icontains=query) | Q(level__icontains=query)
        )
    return render(request, "shop/search.html", {"query": query, "results": results})


class GuideForm(forms.Form):
    first_name = forms.CharField(max_length=50)
    email = forms.EmailField(max_length=254)


def guide(request):
    """The lead magnet: the beginner's guide for a first name and an e-mail address."""
    form = GuideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            personalize.identify(
                request,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
            )
        except personalize.InvalidTraits as exc:
            form.add_error(None, str(exc))
        else:
            personalize.track(request, "ebook_download", guide="beginners-guide")
            messages.success(request, "Your guide is on its way to your inbox. Enjoy!")
            return redirect("shop:guide")
    return render(request, "shop/guide.html", {"form": form})
