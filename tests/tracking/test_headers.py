from personalize.request_facts import RequestFacts
from personalize.tracking.headers import meta_text


def test_meta_text_reads_text_bytes_and_latin1_decoded_utf8_alike():
    utf8 = "https://example.com/café".encode()
    assert meta_text({"HTTP_REFERER": utf8}, "HTTP_REFERER", 100) == "https://example.com/café"
    as_wsgi = utf8.decode("latin-1")
    assert meta_text({"HTTP_REFERER": as_wsgi}, "HTTP_REFERER", 100) == "https://example.com/café"
    assert meta_text({}, "HTTP_REFERER", 100) == ""
    assert meta_text({"HTTP_REFERER": None}, "HTTP_REFERER", 100) == ""


def test_request_facts_read_every_header_given_as_bytes(rf):
    request = rf.get("/", HTTP_ACCEPT_LANGUAGE=b"de-CH,de;q=0.9", HTTP_REFERER=b"https://a.test/")
    facts = RequestFacts(request)
    assert facts.languages == ("de-ch", "de")
    assert facts.referrer == "https://a.test/"
