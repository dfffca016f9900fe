// Node tests of personalize.js with a tiny DOM stub: `node --test tests/js/`.
// Run from pytest by tests/api/test_javascript.py (skipped where node is missing).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const personalize = require(path.join(__dirname, "../../personalize/static/personalize/personalize.js"));

class FakeElement {
  constructor(attrs, parent, tag) {
    this.attrs = Object.assign({}, attrs || {});
    this.parent = parent || null;
    this.tagName = (tag || "div").toUpperCase();
    this.innerHTML = "default content";
  }
  getAttribute(name) {
    return Object.prototype.hasOwnProperty.call(this.attrs, name) ? this.attrs[name] : null;
  }
  setAttribute(name, value) {
    this.attrs[name] = String(value);
  }
  hasAttribute(name) {
    return Object.prototype.hasOwnProperty.call(this.attrs, name);
  }
  matches(selector) {
    return selector.split(",").some((part) => {
      part = part.trim();
      if (part.startsWith("[") && part.endsWith("]")) {
        return this.hasAttribute(part.slice(1, -1));
      }
      return this.tagName === part.toUpperCase();
    });
  }
  closest(selector) {
    for (let element = this; element; element = element.parent) {
      if (element.matches(selector)) {
        return element;
      }
    }
    return null;
  }
}

class FakeDocument {
  constructor(elements) {
    this.elements = elements;
    this.listeners = {};
    this.dispatched = [];
    this.referrer = "https://www.google.com/";
    this.readyState = "complete";
    this.body = {
      html: "",
      insertAdjacentHTML(position, html) {
        assert.equal(position, "beforeend");
        this.html += html;
      },
    };
  }
  querySelectorAll(selector) {
    return this.elements.filter((element) => element.matches(selector));
  }
  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }
  addEventListener(type, listener) {
    (this.listeners[type] = this.listeners[type] || []).push(listener);
  }
  dispatchEvent(event) {
    this.dispatched.push(event);
  }
  click(target) {
    (this.listeners.click || []).forEach((listener) => listener({ target: target }));
  }
}

function slot(key, variant, client) {
  const attrs = { "data-personalize-slot": key, "data-personalize-variant": variant || "default" };
  if (client) {
    attrs["data-personalize-client"] = "1";
  }
  return new FakeElement(attrs);
}

const ANSWER = {
  slots: {
    "home-hero": { variant: "deal-hero", html: "<h1>Deals</h1>" },
    "home-promo": { variant: "default", html: null },
  },
  segments: ["golfers"],
  intent: "deal-seeking",
};

function environment(elements, options) {
  options = options || {};
  const calls = { fetch: [], beacons: [] };
  const doc = new FakeDocument(elements);
  const env = {
    document: doc,
    location: { pathname: "/offers/", search: "?utm_medium=email" },
    navigator: {
      sendBeacon: (url, body) => {
        calls.beacons.push({ url: url, events: JSON.parse(body).events });
        if (options.beacon === "throw") {
          throw new Error("beacon blocked");
        }
        return options.beacon !== false;
      },
    },
    fetch: (url, init) => {
      calls.fetch.push({ url: url, init: init });
      if (init && init.method === "POST") {
        return options.postFails ? Promise.reject(new Error("offline")) : Promise.resolve({ ok: true });
      }
      if (options.fetch) {
        return options.fetch(url, init);
      }
      return Promise.resolve({ ok: true, json: () => Promise.resolve(options.body || ANSWER) });
    },
    AbortController: AbortController,
    CustomEvent: class {
      constructor(type, init) {
        this.type = type;
        this.detail = init.detail;
      }
    },
    setTimeout: options.setTimeout || setTimeout,
    clearTimeout: clearTimeout,
  };
  return { env: env, doc: doc, calls: calls };
}

const CONFIG = {
  decisions: "/personalize/api/decisions/",
  events: "/personalize/api/events/",
  clicks: "/personalize/go/",
  countPage: false,
  timeout: 1000,
};

test("reads its configuration from the script element", () => {
  const script = new FakeElement({
    "data-personalize-decisions": "/d/",
    "data-personalize-events": "/e/",
    "data-personalize-clicks": "/go/",
    "data-personalize-count-page": "1",
    "data-personalize-timeout": "800",
  });
  assert.deepEqual(personalize.readConfig(script), {
    decisions: "/d/",
    events: "/e/",
    clicks: "/go/",
    countPage: true,
    timeout: 800,
    preview: null,
  });
  assert.equal(personalize.readConfig(new FakeElement({})).timeout, 2500);
  assert.equal(personalize.readConfig(null).decisions, null);
});

test("resolves every client-side slot with one request", async () => {
  const hero = slot("home-hero", "default", true);
  const promo = slot("home-promo", "default", true);
  const served = slot("footer", "default", false);
  const { env, calls, doc } = environment([hero, promo, served]);
  const body = await personalize.run(env, CONFIG);
  assert.deepEqual(body, ANSWER);
  assert.equal(calls.fetch.length, 1);
  const url = calls.fetch[0].url;
  assert.ok(url.startsWith("/personalize/api/decisions/?slots=home-hero%2Chome-promo&path="));
  assert.ok(url.includes("path=%2Foffers%2F%3Futm_medium%3Demail"));
  assert.ok(url.includes("referrer=https%3A%2F%2Fwww.google.com%2F"));
  assert.ok(!url.includes("track=1"));
  assert.equal(calls.fetch[0].init.credentials, "same-origin");
  assert.equal(hero.innerHTML, "<h1>Deals</h1>");
  assert.equal(hero.getAttribute("data-personalize-variant"), "deal-hero");
  assert.equal(promo.innerHTML, "default content");
  assert.equal(served.innerHTML, "default content");
  assert.equal(calls.beacons.length, 0, "the server counted this page itself");
  assert.equal(doc.dispatched[0].type, "personalize:decided");
});

test("on a shared-cache page the decision request counts the page view", async () => {
  const hero = slot("home-hero", "default", true);
  const served = slot("footer", "default", false);
  const { env, calls } = environment([hero, served]);
  await personalize.run(env, Object.assign({}, CONFIG, { countPage: true }));
  assert.ok(calls.fetch[0].url.endsWith("&track=1"));
  assert.equal(calls.beacons.length, 1);
  const events = calls.beacons[0].events;
  assert.deepEqual(
    events.map((event) => [event.name, event.slot, event.variant, event.path]),
    [["impression", "footer", "default", "/offers/?utm_medium=email"]]
  );
  assert.ok(events[0].id);
});

test("the other slots' impressions wait for the decision's answer (and its cookie)", async () => {
  const hero = slot("home-hero", "default", true);
  const served = slot("footer", "default", false);
  let answer;
  const { env, calls } = environment([hero, served], {
    fetch: () => new Promise((resolve) => (answer = resolve)),
  });
  const done = personalize.run(env, Object.assign({}, CONFIG, { countPage: true }));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls.beacons.length, 0, "sent alongside the decision, a new visitor splits in two");
  answer({ ok: true, json: () => Promise.resolve(ANSWER) });
  await done;
  assert.equal(calls.beacons.length, 1);
  assert.deepEqual(calls.beacons[0].events.map((event) => event.slot), ["footer"]);
});

test("a visitor the server does not track is sent nothing more", async () => {
  const hero = slot("home-hero", "default", true);
  const served = slot("footer", "default", false);
  const link = new FakeElement({ href: "/clubs/" }, served, "a");
  const body = Object.assign({}, ANSWER, { tracked: false });
  const { env, calls, doc } = environment([hero, served], { body: body });
  await personalize.run(env, Object.assign({}, CONFIG, { countPage: true }));
  assert.equal(hero.innerHTML, "<h1>Deals</h1>", "still personalized");
  doc.click(link);
  assert.equal(calls.beacons.length, 0);
  assert.equal(calls.fetch.filter((call) => call.init && call.init.method === "POST").length, 0);
});

test("the impressions still go when the decision fails", async () => {
  const served = slot("footer", "default", false);
  const { env, calls } = environment([slot("home-hero", "default", true), served], {
    fetch: () => Promise.reject(new Error("offline")),
  });
  await personalize.run(env, Object.assign({}, CONFIG, { countPage: true }));
  assert.equal(calls.beacons.length, 1);
  assert.equal(calls.beacons[0].events[0].slot, "footer");
});

test("without client-side slots a shared-cache page sends its page view", async () => {
  const served = slot("home-hero", "default", false);
  const { env, calls } = environment([served]);
  await personalize.run(env, Object.assign({}, CONFIG, { countPage: true }));
  assert.equal(calls.fetch.length, 0);
  const events = calls.beacons[0].events;
  assert.deepEqual(
    events.map((event) => event.name),
    ["page_view", "impression"]
  );
  assert.equal(events[0].referrer, "https://www.google.com/");
  assert.equal(calls.beacons[0].url, "/personalize/api/events/");
});

for (const [name, options] of [
  ["a network error", { fetch: () => Promise.reject(new TypeError("offline")) }],
  ["an error status", { fetch: () => Promise.resolve({ ok: false, status: 404 }) }],
  ["malformed JSON", { fetch: () => Promise.resolve({ ok: true, json: () => Promise.reject(new SyntaxError("x")) }) }],
  ["an unexpected body", { body: { hello: "world" } }],
  ["a fetch that throws", { fetch: () => { throw new Error("boom"); } }],
]) {
  test(`keeps the default content on ${name}, without retrying`, async () => {
    const hero = slot("home-hero", "default", true);
    const { env, calls } = environment([hero], options);
    const body = await personalize.run(env, CONFIG);
    assert.equal(body, null);
    assert.equal(hero.innerHTML, "default content");
    assert.equal(hero.getAttribute("data-personalize-variant"), "default");
    assert.equal(calls.fetch.length, 1);
  });
}

test("gives up after the timeout and keeps the default content", async () => {
  const hero = slot("home-hero", "default", true);
  let aborted = false;
  const { env, calls } = environment([hero], {
    fetch: (url, init) =>
      new Promise((resolve, reject) => {
        init.signal.addEventListener("abort", () => {
          aborted = true;
          reject(new Error("aborted"));
        });
      }),
    setTimeout: (callback) => setTimeout(callback, 1),
  });
  const body = await personalize.run(env, CONFIG);
  assert.equal(body, null);
  assert.ok(aborted);
  assert.equal(hero.innerHTML, "default content");
  assert.equal(calls.fetch.length, 1);
});

test("one broken slot does not keep the others from showing", () => {
  const broken = slot("home-hero", "default", true);
  broken.setAttribute = () => {
    throw new Error("detached");
  };
  const promo = slot("home-promo", "default", true);
  const changed = personalize.applyDecisions([broken, promo], {
    slots: { "home-hero": ANSWER.slots["home-hero"], "home-promo": { variant: "app-promo", html: "<p>App</p>" } },
  });
  assert.deepEqual(changed, [promo]);
  assert.equal(promo.innerHTML, "<p>App</p>");
});

test("clicks inside slots are sent with sendBeacon", async () => {
  const hero = slot("home-hero", "deal-hero", false);
  const link = new FakeElement({ href: "/deals/" }, hero, "a");
  const inner = new FakeElement({}, link, "span");
  const through = new FakeElement({ href: "/personalize/go/7/" }, hero, "a");
  const text = new FakeElement({}, hero, "p");
  const outside = new FakeElement({ href: "/clubs/" }, null, "a");
  const { env, doc, calls } = environment([hero]);
  await personalize.run(env, CONFIG);
  doc.click(inner);
  doc.click(through);
  doc.click(text);
  doc.click(outside);
  doc.click(null);
  assert.equal(calls.beacons.length, 1);
  assert.deepEqual(
    calls.beacons[0].events.map((event) => [event.name, event.slot, event.variant]),
    [["click", "home-hero", "deal-hero"]]
  );
});

test("falls back to fetch with keepalive when sendBeacon refuses or throws", () => {
  for (const beacon of [false, "throw"]) {
    const { env, calls } = environment([], { beacon: beacon });
    const send = personalize.createSender(env, CONFIG);
    assert.equal(send([{ name: "click" }]), true);
    const post = calls.fetch[0];
    assert.equal(post.url, "/personalize/api/events/");
    assert.equal(post.init.keepalive, true);
    assert.equal(post.init.headers["Content-Type"], "text/plain;charset=UTF-8");
  }
});

test("a failing fallback is swallowed and never retried", async () => {
  const { env, calls } = environment([], { beacon: false, postFails: true });
  const send = personalize.createSender(env, CONFIG);
  send([{ name: "click" }]);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(calls.fetch.length, 1);
  env.fetch = () => {
    throw new Error("no network stack");
  };
  assert.equal(send([{ name: "click" }]), false);
});

test("sends at most MAX_EVENTS events per page", () => {
  const { env, calls } = environment([]);
  const send = personalize.createSender(env, CONFIG);
  for (let i = 0; i < 80; i++) {
    send([{ name: "click" }]);
  }
  const sent = calls.beacons.reduce((total, beacon) => total + beacon.events.length, 0);
  assert.equal(sent, personalize.MAX_EVENTS);
});

test("start never throws into the page", () => {
  const hostile = {
    get document() {
      throw new Error("no document");
    },
  };
  assert.doesNotThrow(() => personalize.start(hostile));
  const doc = new FakeDocument([slot("home-hero", "default", true)]);
  doc.currentScript = new FakeElement({ "data-personalize-decisions": "/d/" });
  const window = {
    document: doc,
    navigator: {},
    location: { pathname: "/", search: "" },
    fetch: () => {
      throw new Error("fetch is broken");
    },
    setTimeout: setTimeout,
    clearTimeout: clearTimeout,
  };
  assert.doesNotThrow(() => personalize.start(window));
});

test("waits for the document when loaded in the head", () => {
  const doc = new FakeDocument([]);
  doc.readyState = "loading";
  doc.currentScript = new FakeElement({});
  const window = {
    document: doc,
    location: { pathname: "/", search: "" },
    setTimeout: setTimeout,
    clearTimeout: clearTimeout,
  };
  personalize.start(window);
  assert.equal(doc.listeners.DOMContentLoaded.length, 1);
  assert.doesNotThrow(() => doc.listeners.DOMContentLoaded[0]());
});

function prerenderedWindow(countPage) {
  const beacons = [];
  const doc = new FakeDocument([slot("home-hero", "default", false)]);
  doc.prerendering = true;
  doc.currentScript = new FakeElement({
    "data-personalize-events": "/personalize/api/events/",
    "data-personalize-count-page": countPage,
  });
  const window = {
    document: doc,
    location: { pathname: "/clubs/", search: "" },
    navigator: {
      sendBeacon: (url, body) => {
        beacons.push(JSON.parse(body).events.map((event) => event.name));
        return true;
      },
    },
    setTimeout: setTimeout,
    clearTimeout: clearTimeout,
  };
  return { window: window, doc: doc, beacons: beacons };
}

test("a prerendered page sends its page view only when it is shown", () => {
  const { window, doc, beacons } = prerenderedWindow("1");
  personalize.start(window);
  assert.deepEqual(beacons, []);
  assert.equal(doc.listeners.prerenderingchange.length, 1);
  doc.prerendering = false;
  doc.listeners.prerenderingchange[0]();
  assert.deepEqual(beacons, [["page_view", "impression"]]);
});

test("a prerendered page the server counted does not wait to run", () => {
  const { window, doc, beacons } = prerenderedWindow("0");
  personalize.start(window);
  assert.equal(doc.listeners.prerenderingchange, undefined);
  assert.deepEqual(beacons, []);
});

test("a staff preview is passed on, shows the bar the server sends and counts nothing", async () => {
  const hero = slot("home-hero", "default", true);
  const served = slot("footer", "default", false);
  const bar = '<div id="personalize-preview">Preview as segment beginners</div>';
  const { env, calls, doc } = environment([hero, served], {
    body: Object.assign({}, ANSWER, { preview: bar }),
  });
  env.location = { pathname: "/offers/", search: "?a=1&personalize_preview=segment%3Abeginners" };
  const config = Object.assign({}, CONFIG, { countPage: true, preview: "personalize_preview" });
  await personalize.run(env, config);
  assert.equal(calls.fetch.length, 1);
  assert.ok(calls.fetch[0].url.endsWith("&personalize_preview=segment%3Abeginners"));
  assert.equal(hero.getAttribute("data-personalize-variant"), "deal-hero");
  assert.equal(doc.body.html, bar);
  assert.equal(calls.beacons.length, 0, "no page view, no impression");
  assert.equal((doc.listeners.click || []).length, 0, "no click tracking");
});

test("without a preview in the address nothing is passed on and no bar is shown", async () => {
  const hero = slot("home-hero", "default", true);
  const { env, calls, doc } = environment([hero]);
  await personalize.run(env, Object.assign({}, CONFIG, { preview: "personalize_preview" }));
  assert.ok(!calls.fetch[0].url.includes("personalize_preview"));
  assert.equal(doc.body.html, "");
  assert.equal(doc.listeners.click.length, 1);
});

test("reads one query parameter, decoded", () => {
  const read = personalize.queryValue;
  assert.equal(read("?a=1&p=segment%3Ax+y", "p"), "segment:x y");
  assert.equal(read("?p", "p"), "");
  assert.equal(read("?a=%E0%A4%A&p=1", "p"), "1");
  assert.equal(read("", "p"), null);
  assert.equal(read("?pp=1", "p"), null);
});

test("a page that already has the preview bar does not get a second one", async () => {
  const hero = slot("home-hero", "default", true);
  const { env, doc } = environment([hero], {
    body: Object.assign({}, ANSWER, { preview: '<div id="personalize-preview"></div>' }),
  });
  doc.getElementById = (id) => (id === "personalize-preview" ? {} : null);
  env.location = { pathname: "/", search: "?personalize_preview=segment%3Ax" };
  await personalize.run(env, Object.assign({}, CONFIG, { preview: "personalize_preview" }));
  assert.equal(hero.getAttribute("data-personalize-variant"), "deal-hero");
  assert.equal(doc.body.html, "");
});
