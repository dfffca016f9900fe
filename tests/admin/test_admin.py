"""Admin screens an editor uses: segments with inline rules, slots, variants, visitors."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType

from personalize.models import (
    BrowserRule,
    DayOfWeekRule,
    DeviceRule,
    Event,
    EventRule,
    Membership,
    OSRule,
    Segment,
    SegmentRule,
    TimeOfDayRule,
    TraitRule,
    UTMRule,
    Variant,
    Visitor,
)
from personalize.services import privacy
from personalize.store import get_store, profile_key
from tests.factories import SegmentFactory, SlotFactory, VariantFactory

pytestmark = pytest.mark.django_db


def rule_form(index, model, **fields):
    data = {
        f"rules-{index}-polymorphic_ctype": ContentType.objects.get_for_model(model, False).pk,
        f"rules-{index}-id": "",
        f"rules-{index}-segment": "",
    }
    data.update({f"rules-{index}-{name}": value for name, value in fields.items()})
    return data


def segment_post(rules, **fields):
    data = {
        "name": "Phone readers",
        "slug": "phone-readers",
        "description": "",
        "category": "technographic",
        "match": "all",
        "kind": "dynamic",
        "is_active": "on",
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for rule in rules:
        data.update(rule)
    data.update(fields)
    return data


def add_segment(client, *rules, follow=False, **fields):
    """Posts the segment add form with these rule forms (see ``rule_form``)."""
    return client.post(
        "/admin/personalize/segment/add/", segment_post(list(rules), **fields), follow=follow
    )


def rule_errors(response):
    """The errors on the first rule form of a segment form that was refused."""
    assert response.status_code == 200
    (formset,) = response.context["inline_admin_formsets"]
    return formset.formset.errors[0]


def variant_post(slot, slug="cleaned", **fields):
    """The variant add form's data for an active variant of this slot."""
    return {
        "slot": slot.pk,
        "name": slug.title(),
        "slug": slug,
        "status": "active",
        "priority": 0,
        "weight": 1,
        **fields,
    }


def email_campaign_rule(index=0):
    return rule_form(
        index, UTMRule, parameter="utm_medium", operator="equals", value="email", scope="visit"
    )


def test_an_editor_creates_a_segment_with_rules_of_several_types(admin_client):
    response = add_segment(
        admin_client,
        email_campaign_rule(0),
        rule_form(1, DeviceRule, device_types=["mobile", "tablet"]),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    segment = Segment.objects.get(slug="phone-readers")
    assert [type(rule) for rule in segment.rules.all()] == [UTMRule, DeviceRule]
    assert segment.describe() == (
        '(Campaign parameter utm_medium is "email") and (Uses a mobile or tablet device)'
    )
    listing = admin_client.get("/admin/personalize/segment/")
    assert "Uses a mobile or tablet device" in listing.content.decode()


def test_an_invalid_regex_is_a_form_error_not_a_500(admin_client):
    response = add_segment(
        admin_client,
        rule_form(
            0, UTMRule, parameter="utm_campaign", operator="regex", value="(a+)+$", scope="visit"
        ),
    )
    assert response.status_code == 200
    assert "Nested repetition" in response.content.decode()
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("model", "field", "message", "fields"),
    [
        (DeviceRule, "device_types", "Choose at least one device type.", {}),
        (BrowserRule, "browsers", "Choose at least one browser.", {}),
        (OSRule, "systems", "Choose at least one operating system.", {}),
        (DayOfWeekRule, "days", "Choose at least one day.", {"time_zone": "UTC"}),
    ],
)
def test_a_rule_with_nothing_chosen_shows_one_message_next_to_the_field(
    admin_client, model, field, message, fields
):
    response = add_segment(admin_client, rule_form(0, model, negate="on", **fields))
    assert rule_errors(response) == {field: [message]}
    assert not Segment.objects.exists()


def test_a_segment_rule_cycle_is_a_form_error(admin_client):
    a = SegmentFactory(slug="a")
    b = SegmentFactory(slug="b")
    SegmentRule.objects.create(segment=b, other_segment=a)
    data = segment_post([rule_form(0, SegmentRule, other_segment=b.pk)], name="A", slug="a")
    data["rules-0-segment"] = a.pk
    response = admin_client.post(f"/admin/personalize/segment/{a.pk}/change/", data)
    assert response.status_code == 200
    assert "would make a cycle" in response.content.decode()


def test_variant_body_is_sanitized_and_unsafe_links_refused(admin_client):
    slot = SlotFactory(key="hero")
    data = variant_post(
        slot,
        "bad",
        title="T",
        body='<p onclick="steal()">Hi<script>alert(1)</script></p>',
        image_alt="",
        cta_label="Go",
        cta_url="javascript:alert(1)",
        template_name="",
    )
    response = admin_client.post("/admin/personalize/variant/add/", data)
    assert response.status_code == 200
    assert "Enter a path" in response.content.decode()
    data["cta_url"] = "/clubs/"
    response = admin_client.post("/admin/personalize/variant/add/", data)
    assert response.status_code == 302
    assert Variant.objects.get(slug="bad").body == "<p>Hi</p>"


def test_variant_with_an_unknown_template_is_refused(admin_client):
    slot = SlotFactory(key="hero")
    response = admin_client.post(
        "/admin/personalize/variant/add/",
        variant_post(slot, "t", template_name="nope/missing.html"),
    )
    assert response.status_code == 200
    assert "No template with this name" in response.content.decode()


def test_slot_pages_list_variants_and_show_how_to_use_the_slot(admin_client):
    slot = SlotFactory(key="home-hero")
    VariantFactory(slot=slot, slug="v1")
    assert admin_client.get("/admin/personalize/slot/").status_code == 200
    page = admin_client.get(f"/admin/personalize/slot/{slot.pk}/change/").content.decode()
    assert "{% personalize &quot;home-hero&quot; %}" in page
    assert "v1" in page


def test_preview_links_open_the_site_as_a_segment(admin_client):
    segment = SegmentFactory(slug="golfers")
    page = admin_client.get(f"/admin/personalize/segment/{segment.pk}/change/").content.decode()
    assert "?personalize_preview=segment%3Agolfers" in page


def test_visitors_and_events_are_read_only(admin_client, browser):
    browser.get("/t/slot/")
    visitor = Visitor.objects.get()
    assert admin_client.get("/admin/personalize/visitor/add/").status_code == 403
    assert admin_client.get(f"/admin/personalize/visitor/{visitor.pk}/change/").status_code == 200
    assert admin_client.get("/admin/personalize/event/").status_code == 200
    actions = admin_client.get("/admin/personalize/visitor/").context["action_form"]
    assert [name for name, _label in actions.fields["action"].choices if name] == [
        "delete_selected"
    ]


def visitor_with_everything(browser, email):
    """A visitor with events, a static membership, a merged profile and a cached profile."""
    visitor = Visitor.objects.get(pk=browser.get("/t/slot/").wsgi_request.visitor.id)
    Visitor.objects.filter(pk=visitor.pk).update(email=email)
    merged = Visitor.objects.create(merged_into=visitor)
    Event.objects.create(visitor=merged, name="purchase")
    segment = SegmentFactory(slug=f"list-{visitor.pk.hex[:6]}", kind="static")
    Membership.objects.create(segment=segment, visitor=visitor)
    assert get_store().cache.get(profile_key(visitor.pk.hex)) is not None
    return visitor.pk, merged.pk


def assert_erased(*ids):
    for pk in ids:
        assert privacy.is_erased(pk)
        assert not Visitor.objects.filter(pk=pk).exists()
        assert not Event.objects.filter(visitor_id=pk).exists()
        assert not Membership.objects.filter(visitor_id=pk).exists()
        assert get_store().cache.get(profile_key(pk.hex)) is None


def test_deleting_a_visitor_in_the_admin_erases_it(admin_client, browser):
    pk, merged = visitor_with_everything(browser, "jeff@example.com")
    url = f"/admin/personalize/visitor/{pk}/delete/"
    page = admin_client.get(url).content.decode()
    assert "Cannot delete" not in page
    assert "Events: 3" in page  # page view, impression, and the merged profile's purchase
    assert "Visitors: 2" in page
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert_erased(pk, merged)
    logged = LogEntry.objects.get()
    assert logged.object_repr == f"erased visitor {privacy.id_hash(pk)[:12]}"
    assert "jeff" not in logged.object_repr
    assert logged.object_id is None


def test_delete_selected_erases_every_selected_visitor(admin_client, browser):
    first = visitor_with_everything(browser, "jeff@example.com")
    second = visitor_with_everything(browser.__class__(), "ann@example.com")
    selected = {"action": "delete_selected", "_selected_action": [str(first[0]), str(second[0])]}
    page = admin_client.post("/admin/personalize/visitor/", selected).content.decode()
    assert "Visitors: 4" in page
    assert "Memberships: 2" in page
    response = admin_client.post("/admin/personalize/visitor/", {**selected, "post": "yes"})
    assert response.status_code == 302
    assert_erased(*first, *second)
    assert not Visitor.objects.exists()
    assert LogEntry.objects.count() == 2
    assert not LogEntry.objects.filter(object_repr__contains="@").exists()


def test_erasing_in_the_admin_needs_only_the_visitor_permissions(client, browser):
    pk, merged = visitor_with_everything(browser, "jeff@example.com")
    staff = User.objects.create_user("editor", password="pw", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_visitor", "delete_visitor"])
    )
    client.force_login(staff)
    url = f"/admin/personalize/visitor/{pk}/delete/"
    assert "Cannot delete" not in client.get(url).content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert_erased(pk, merged)


def test_every_admin_changelist_and_add_page_renders(admin_client):
    for model in ("segment", "slot", "variant", "intent", "topicmapping", "visitor", "event"):
        assert admin_client.get(f"/admin/personalize/{model}/").status_code == 200, model
    for model in ("segment", "slot", "variant", "intent", "topicmapping"):
        assert admin_client.get(f"/admin/personalize/{model}/add/").status_code == 200, model


def test_the_segment_list_shows_rules_in_words_at_a_fixed_cost(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils.html import escape

    from personalize.models import Intent, IntentRule

    intent = Intent.objects.create(slug="deals", name="Deals")
    target = SegmentFactory(slug="target", name="Target")

    def add_segments(count):
        for _ in range(count):
            segment = SegmentFactory()
            SegmentRule.objects.create(segment=segment, other_segment=target)
            IntentRule.objects.create(segment=segment, intent=intent)
            UTMRule.objects.create(segment=segment, parameter="utm_medium", value="email")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get("/admin/personalize/segment/")
        assert response.status_code == 200
        return len(captured), response.content.decode()

    add_segments(2)
    queries()  # warm: sessions, content types
    few, _html = queries()
    add_segments(20)
    many, html = queries()
    assert many == few
    assert html.count(escape('Is a member of segment "Target"')) == 22
    assert html.count(escape('Has the intent "Deals"')) == 22
    assert "No rules: nobody matches." in html  # the target segment itself


def test_deleting_a_segment_in_use_names_what_uses_it(admin_client):
    from django.utils.html import escape

    from personalize.models import Intent, IntentRule

    target = SegmentFactory(slug="beginners", name="Beginners")
    user = SegmentFactory(slug="golfers", name="Golfers")
    SegmentRule.objects.create(segment=user, other_segment=target)
    variant = VariantFactory(slot=SlotFactory(key="hero"), slug="upsell", segment=target)
    page = admin_client.get(f"/admin/personalize/segment/{target.pk}/delete/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cannot delete segment" in html
    assert f'href="/admin/personalize/variant/{variant.pk}/change/"' in html
    # the segment holding the rule, linked, not the rule alone
    assert f'<a href="/admin/personalize/segment/{user.pk}/change/">Golfers</a>' in html
    assert escape('Is a member of segment "Beginners"') in html
    refused = admin_client.post(f"/admin/personalize/segment/{target.pk}/delete/", {"post": "yes"})
    assert "Cannot delete segment" in refused.content.decode()
    assert Segment.objects.filter(pk=target.pk).exists()

    intent = Intent.objects.create(slug="deals", name="Deals")
    IntentRule.objects.create(segment=user, intent=intent)
    html = admin_client.get(f"/admin/personalize/intent/{intent.pk}/delete/").content.decode()
    assert f'<a href="/admin/personalize/segment/{user.pk}/change/">Golfers</a>' in html


def test_the_delete_page_lists_each_rule_once_in_words(admin_client, caplog):
    segment = SegmentFactory(slug="phones", name="Phones")
    DeviceRule.objects.create(segment=segment, device_types=["mobile"])
    with caplog.at_level("INFO", logger="personalize"):
        page = admin_client.get(f"/admin/personalize/segment/{segment.pk}/delete/")
    # the base rows Django collects are not rules with unreadable values (nothing logged)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("personalize")] == []
    assert page.context["deleted_objects"] == [
        f'Segment: <a href="/admin/personalize/segment/{segment.pk}/change/">Phones</a>',
        ["Device rule: Uses a mobile device"],
    ]
    assert dict(page.context["model_count"]) == {"segments": 1, "device rules": 1}
    assert (
        admin_client.post(
            f"/admin/personalize/segment/{segment.pk}/delete/", {"post": "yes"}
        ).status_code
        == 302
    )
    assert not Segment.objects.exists()
    assert not DeviceRule.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVa&#x09;ScRiPt:alert(1)">x</a>',
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
        "<img src=x onerror=alert(1)>",
        '<iframe src="https://evil.example/"></iframe>',
        "<svg onload=alert(1)><script>alert(1)</script></svg>",
        '<p style="width:expression(alert(1));background:url(javascript:alert(1))">x</p>',
        '<img srcset="javascript:alert(1) 1x, /ok.png 2x">',
        '<picture><source srcset="javascript:alert(1)"><img src="/a.png"></picture>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<form action="https://evil.example/"><input name="card"></form>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    ],
)
def test_hostile_html_in_a_variant_body_is_removed(admin_client, payload):
    slot = SlotFactory(key="hero")
    response = admin_client.post(
        "/admin/personalize/variant/add/",
        variant_post(slot, "hostile", body=f"<p>Hello</p>{payload}"),
    )
    assert response.status_code == 302
    body = Variant.objects.get(slug="hostile").body.lower()
    assert body.startswith("<p>hello</p>")
    for danger in ("<script", "javascript", "onerror", "onload", "<iframe", "<svg", "style"):
        assert danger not in body
    for danger in ("expression", "<form", "<input", "<meta", "data:"):
        assert danger not in body


def test_the_slot_page_says_what_visitors_matching_no_variant_see(admin_client):
    slot = SlotFactory(key="home-hero")
    url = f"/admin/personalize/slot/{slot.pk}/change/"
    segment = SegmentFactory(slug="golfers")
    VariantFactory(slot=slot, slug="upsell", name="Upsell", segment=segment)
    assert "the content written in the template" in admin_client.get(url).content.decode()
    default = VariantFactory(slot=slot, slug="default", name="Golf course")
    assert "Golf course" in admin_client.get(url).content.decode().split("nothing matches")[1]
    VariantFactory(slot=slot, slug="default-b", name="Club house", weight=3)
    html = admin_client.get(url).content.decode()
    assert "Golf course (weight 1) or Club house (weight 3)" in html
    Variant.objects.filter(slot=slot, segment=None).exclude(pk=default.pk).delete()
    Variant.objects.filter(pk=default.pk).update(status=Variant.Status.PAUSED)
    html = admin_client.get(url).content.decode()
    assert "the content written in the template" in html


@pytest.mark.parametrize(
    ("model", "fields", "field", "message"),
    [
        (
            TimeOfDayRule,
            {"start": "09:00", "end": "17:00", "time_zone": "Mars/Olympus"},
            "time_zone",
            "Unknown time zone Mars/Olympus: use a name such as Europe/London or UTC.",
        ),
        (
            EventRule,
            {"event": "", "aggregate": "count", "operator": "gte", "value": "1"},
            "event",
            "This field is required.",
        ),
        (
            TraitRule,
            {"key": "", "operator": "eq", "value": "gold"},
            "key",
            "This field is required.",
        ),
    ],
)
def test_each_field_shows_one_message_at_a_time(admin_client, model, fields, field, message):
    response = add_segment(admin_client, rule_form(0, model, **fields))
    assert rule_errors(response) == {field: [message]}


def test_an_event_count_cannot_be_negative(admin_client):
    fields = {"event": "purchase", "aggregate": "count", "operator": "gte", "value": "-1"}
    response = add_segment(admin_client, rule_form(0, EventRule, **fields))
    assert list(rule_errors(response)) == ["value"]
    assert not Segment.objects.exists()
    # a sum (of refunds, say) may be negative
    fields.update(aggregate="sum")
    response = add_segment(admin_client, rule_form(0, EventRule, **fields))
    assert response.status_code == 302


def test_a_static_segment_size_is_counted_in_words(admin_client):
    one = SegmentFactory(slug="one", name="One", kind="static", member_count=1)
    SegmentFactory(slug="many", name="Many", kind="static", member_count=1200)
    SegmentFactory(slug="new", name="New", kind="static")
    html = admin_client.get("/admin/personalize/segment/").content.decode()
    assert "1 member<" in html
    assert "1,200 members" in html or "1200 members" in html
    assert "not built yet" in html
    page = admin_client.get(f"/admin/personalize/segment/{one.pk}/change/").content.decode()
    assert "1 member<" in page


def test_exporting_asks_for_exactly_one_segment(admin_client):
    first = SegmentFactory(slug="first", kind="static")
    second = SegmentFactory(slug="second", kind="static")
    response = admin_client.post(
        "/admin/personalize/segment/",
        {"action": "export_csv", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "Select exactly one segment to export." in response.content.decode()


def test_saving_a_static_segment_says_when_its_list_changes(admin_client):
    response = add_segment(
        admin_client, rule_form(0, DeviceRule, device_types=["mobile"]), kind="static", follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    assert any("was added successfully" in message for message in messages)
    assert any(
        "static" in message and "next rebuild" in message and "Rebuild now" in message
        for message in messages
    ), messages
    segment = Segment.objects.get()
    segment.kind = "dynamic"
    segment.save()
    response = admin_client.post(
        f"/admin/personalize/segment/{segment.pk}/change/",
        {
            **segment_post([], kind="dynamic"),
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert not any("next rebuild" in str(message) for message in response.context["messages"])


def test_the_editor_is_told_what_was_removed_from_a_body(admin_client):
    slot = SlotFactory(key="hero")
    body = (
        '<p style="color:red" onclick="steal()">Hi <a href="javascript:alert(1)">there</a></p>'
        '<script>alert(1)</script><iframe src="https://evil.example/"></iframe>'
    )
    response = admin_client.post(
        "/admin/personalize/variant/add/", variant_post(slot, body=body), follow=True
    )
    (warning,) = [str(m) for m in response.context["messages"] if "removed" in str(m).lower()]
    for removed in ("<script>", "<iframe>", "style", "onclick", "javascript: link"):
        assert removed in warning, warning
    assert (
        Variant.objects.get(slug="cleaned").body
        == '<p>Hi <a rel="noopener noreferrer">there</a></p>'
    )


def test_harmless_html_saves_without_a_warning(admin_client):
    slot = SlotFactory(key="hero")
    body = '<p class="lead">Hi<br/>there <a href="/clubs/" target="_blank">clubs</a> &amp; more</p>'
    response = admin_client.post(
        "/admin/personalize/variant/add/", variant_post(slot, body=body), follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert not any("removed" in m.lower() for m in messages), messages


def test_the_slot_page_shows_the_last_30_days_per_variant(admin_client):
    import datetime as dt

    from django.utils import timezone

    from personalize.models import VariantDailyStat

    slot = SlotFactory(key="home-hero")
    url = f"/admin/personalize/slot/{slot.pk}/change/"
    assert "No statistics yet" in admin_client.get(url).content.decode()
    today = timezone.localdate()

    def day(days_ago, variant, impressions, visitors, conversions, value="0"):
        VariantDailyStat.objects.create(
            date=today - dt.timedelta(days=days_ago),
            slot="home-hero",
            variant=variant,
            impressions=impressions,
            visitors=visitors,
            clicks=1,
            conversions=conversions,
            conversion_value=value,
        )

    day(1, "deal-hero", 60, 50, 5, "900.50")
    day(2, "deal-hero", 40, 30, 3, "100")
    day(40, "deal-hero", 999, 999, 999)  # before the 30 days
    day(1, "control", 20, 20, 1)
    day(1, "default", 10, 10, 0)
    VariantDailyStat.objects.create(
        date=today, slot="other", variant="deal-hero", impressions=7, visitors=7
    )
    html = admin_client.get(url).content.decode()
    table = html.split("Last 30 days")[1].split("</table>")[0]
    rows = [
        [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    rows = [row for row in rows if row]
    enough = "not enough data yet"  # 20 control visitors: 1.8 expected conversions
    assert rows[0] == [
        "deal-hero", "100", "80", "2", "8", "10.0% (5.1% to 18.5%)", "+100%", enough, "1000.50"
    ]  # fmt: skip
    assert rows[1] == ["control", "20", "20", "1", "1", "5.0% (0.9% to 23.6%)", "-", "-", "0.00"]
    assert rows[2] == [
        "default", "10", "10", "1", "0", "0.0% (0.0% to 27.8%)", "-100%", enough, "0.00"
    ]  # fmt: skip
    assert len(rows) == 3
    assert "/admin/personalize/variantdailystat/?slot__exact=home-hero" in html


@pytest.mark.parametrize(
    ("converted", "confidence"), [(120, "100%, significant"), (70, "64%")]
)  # fmt: skip
def test_the_slot_results_say_how_sure_a_difference_with_the_control_group_is(
    admin_client, converted, confidence
):
    from django.utils import timezone

    from personalize.models import VariantDailyStat

    slot = SlotFactory(key="home-hero")
    for variant, conversions in (("deal-hero", converted), ("control", 60)):
        VariantDailyStat.objects.create(
            date=timezone.localdate(),
            slot="home-hero",
            variant=variant,
            impressions=1000,
            visitors=1000,
            conversions=conversions,
        )
    html = admin_client.get(f"/admin/personalize/slot/{slot.pk}/change/").content.decode()
    deal = html.split("<td>deal-hero</td>")[1].split("</tr>")[0]
    assert f"<td>{confidence}</td>" in deal
    assert "significant from 95%" in html


def test_without_a_control_group_no_confidence_is_given(admin_client):
    from django.utils import timezone

    from personalize.models import VariantDailyStat

    slot = SlotFactory(key="home-hero")
    for variant in ("deal-hero", "default"):
        VariantDailyStat.objects.create(
            date=timezone.localdate(), slot="home-hero", variant=variant, visitors=500,
            impressions=500, conversions=50,
        )  # fmt: skip
    html = admin_client.get(f"/admin/personalize/slot/{slot.pk}/change/").content.decode()
    table = html.split("Last 30 days")[1].split("</table>")[0]
    assert "not enough data" not in table
    assert "significant</td>" not in table
