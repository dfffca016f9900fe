/*!
 * django-personalize: client-side slots, impressions and clicks.
 *
 * Loaded by {% personalize_js %}, which puts the endpoints on the script element as data
 * attributes (no inline script, so a strict Content-Security-Policy only has to allow this
 * file). Plain ES2017, no dependencies, no build step.
 *
 * - Slots rendered with {% personalize "key" client=True %} carry data-personalize-client.
 *   One request to the decision endpoint resolves all of them; each answer with markup
 *   replaces the slot's content and its data-personalize-variant. On any failure, or past
 *   the timeout, the default content simply stays.
 * - On a page served from a shared cache, or asked for speculatively by a prefetch or a
 *   prerender (data-personalize-count-page="1"), the server did not count the visit: the page
 *   view is counted by the decision request (track=1) or, without client-side slots, sent as
 *   an event, with the impressions of the other slots. A prerendered page does that only when
 *   the visitor is shown it (the prerenderingchange event); until then it does nothing.
 * - Clicks on links and buttons inside [data-personalize-slot] elements are sent with
 *   navigator.sendBeacon (fetch with keepalive as a fallback). Links through the click-through
 *   endpoint are left alone: the server counts those.
 * - A visitor the decision's answer says is not tracked (tracked: false) is sent nothing more.
 * - It never throws into the page, never retries, and sends at most MAX_EVENTS events.
 */
(function (factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else if (typeof window !== "undefined") {
    api.start(window);
  }
})(function () {
  "use strict";

  const SLOT = "data-personalize-slot";
  const VARIANT = "data-personalize-variant";
  const CLIENT = "data-personalize-client";
  const CLICKABLE = "a, button, [data-personalize-click]";
  const MAX_EVENTS = 50;
  const DEFAULT_TIMEOUT = 2500;
  const PREVIEW_BAR = "personalize-preview";

  function readConfig(script) {
    const data = function (name) {
      return script ? script.getAttribute("data-personalize-" + name) : null;
    };
    const timeout = parseInt(data("timeout"), 10);
    return {
      decisions: data("decisions"),
      events: data("events"),
      clicks: data("clicks") || "",
      countPage: data("count-page") === "1",
      timeout: timeout > 0 ? timeout : DEFAULT_TIMEOUT,
      preview: data("preview"),
    };
  }

  /** The value of parameter `name` in the query string `search` ("?a=1&b=2"), or null. */
  function queryValue(search, name) {
    const pairs = (search || "").replace(/^\?/, "").split("&");
    for (let i = 0; i < pairs.length; i++) {
      const at = pairs[i].indexOf("=");
      const key = at === -1 ? pairs[i] : pairs[i].slice(0, at);
      try {
        if (decodeURIComponent(key.replace(/\+/g, " ")) === name) {
          return at === -1 ? "" : decodeURIComponent(pairs[i].slice(at + 1).replace(/\+/g, " "));
        }
      } catch (error) {
        // a malformed escape: not the parameter looked for
      }
    }
    return null;
  }

  /** The preview bar already on the page (a page rendered for this request has it). */
  function previewBarOf(doc) {
    return typeof doc.getElementById === "function" ? doc.getElementById(PREVIEW_BAR) : null;
  }

  /** The staff preview the page's address asks for (checked by the server), or null. */
  function previewOf(config, location) {
    return config.preview ? queryValue(location.search, config.preview) || null : null;
  }

  function eventId() {
    const cryptoObject = typeof crypto !== "undefined" ? crypto : null;
    if (cryptoObject && typeof cryptoObject.randomUUID === "function") {
      return cryptoObject.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function slotsOf(doc) {
    return Array.prototype.slice.call(doc.querySelectorAll("[" + SLOT + "]"));
  }

  function currentPath(location) {
    return location.pathname + (location.search || "");
  }

  function decisionUrl(config, keys, location, referrer, track) {
    const params = [
      "slots=" + encodeURIComponent(keys.join(",")),
      "path=" + encodeURIComponent(currentPath(location)),
    ];
    if (referrer) {
      params.push("referrer=" + encodeURIComponent(referrer));
    }
    if (track) {
      params.push("track=1");
    }
    const preview = previewOf(config, location);
    if (preview) {
      params.push(encodeURIComponent(config.preview) + "=" + encodeURIComponent(preview));
    }
    return config.decisions + (config.decisions.indexOf("?") === -1 ? "?" : "&") + params.join("&");
  }

  /** Resolve with the decision endpoint's JSON, or null on any failure or timeout. */
  function fetchDecisions(env, url, timeout) {
    if (typeof env.fetch !== "function") {
      return Promise.resolve(null);
    }
    const controller = typeof env.AbortController === "function" ? new env.AbortController() : null;
    let timer = null;
    const expired = new Promise(function (resolve) {
      timer = env.setTimeout(function () {
        if (controller) {
          controller.abort();
        }
        resolve(null);
      }, timeout);
    });
    let request;
    try {
      request = env
        .fetch(url, {
          method: "GET",
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: controller ? controller.signal : undefined,
        })
        .then(function (response) {
          return response && response.ok ? response.json() : null;
        })
        .catch(function () {
          return null;
        });
    } catch (error) {
      request = Promise.resolve(null);
    }
    return Promise.race([request, expired]).then(function (body) {
      env.clearTimeout(timer);
      return body && typeof body === "object" && body.slots ? body : null;
    });
  }

  /** Put each answer with markup into its slot; returns the elements that changed. */
  function applyDecisions(elements, body) {
    const changed = [];
    elements.forEach(function (element) {
      try {
        const answer = body.slots[element.getAttribute(SLOT)];
        if (!answer || typeof answer.variant !== "string") {
          return;
        }
        if (typeof answer.html === "string") {
          element.innerHTML = answer.html;
        }
        element.setAttribute(VARIANT, answer.variant);
        changed.push(element);
      } catch (error) {
        // one broken slot must not keep the others from showing
      }
    });
    return changed;
  }

  function createSender(env, config) {
    let sent = 0;
    return function send(events) {
      const room = MAX_EVENTS - sent;
      if (!config.events || room <= 0 || !events.length) {
        return false;
      }
      const batch = events.slice(0, room);
      sent += batch.length;
      const body = JSON.stringify({ events: batch });
      try {
        const navigator = env.navigator;
        if (navigator && typeof navigator.sendBeacon === "function") {
          if (navigator.sendBeacon(config.events, body)) {
            return true;
          }
        }
      } catch (error) {
        // fall through to fetch
      }
      try {
        if (typeof env.fetch === "function") {
          env
            .fetch(config.events, {
              method: "POST",
              body: body,
              keepalive: true,
              credentials: "same-origin",
              headers: { "Content-Type": "text/plain;charset=UTF-8" },
            })
            .catch(function () {});
          return true;
        }
      } catch (error) {
        // nothing else to try: events are best effort, never retried
      }
      return false;
    };
  }

  function impressions(elements, path) {
    return elements.map(function (element) {
      return {
        id: eventId(),
        name: "impression",
        slot: element.getAttribute(SLOT),
        variant: element.getAttribute(VARIANT) || "default",
        path: path,
      };
    });
  }

  function clickHandler(env, config, send) {
    return function (event) {
      try {
        const target = event.target;
        if (!target || typeof target.closest !== "function") {
          return;
        }
        const clickable = target.closest(CLICKABLE);
        const slot = clickable ? clickable.closest("[" + SLOT + "]") : null;
        if (!slot) {
          return;
        }
        const href = clickable.getAttribute("href") || "";
        if (config.clicks && href.indexOf(config.clicks) === 0) {
          return; // the click-through endpoint records this click itself
        }
        send([
          {
            id: eventId(),
            name: "click",
            slot: slot.getAttribute(SLOT),
            variant: slot.getAttribute(VARIANT) || "default",
            path: currentPath(env.location),
          },
        ]);
      } catch (error) {
        // never break the page's own click handling
      }
    };
  }

  /** Everything the script does on a page; resolves when the slots are settled. */
  function run(env, config) {
    const doc = env.document;
    // A staff preview is never counted: no events, no clicks (the server checks who asks).
    const previewing = previewOf(config, env.location) !== null;
    const sender = previewing ? function () {} : createSender(env, config);
    // A visitor the server does not track (Global Privacy Control, no consent...) is told so by
    // the decision's answer: from then on the page sends nothing the server would only discard.
    let tracked = true;
    const send = function (events) {
      return tracked ? sender(events) : false;
    };
    if (!previewing) {
      doc.addEventListener("click", clickHandler(env, config, send), true);
    }
    const elements = slotsOf(doc);
    const client = elements.filter(function (element) {
      return element.hasAttribute(CLIENT);
    });
    const served = elements.filter(function (element) {
      return !element.hasAttribute(CLIENT);
    });
    const path = currentPath(env.location);
    const events = [];
    let decided = Promise.resolve(null);
    if (client.length && config.decisions) {
      const keys = client
        .map(function (element) {
          return element.getAttribute(SLOT);
        })
        .filter(function (key, index, all) {
          return key && all.indexOf(key) === index;
        });
      const url = decisionUrl(config, keys, env.location, doc.referrer, config.countPage);
      decided = fetchDecisions(env, url, config.timeout).then(function (body) {
        if (body && body.tracked === false) {
          tracked = false;
        }
        // The events go once the decision is answered: a new visitor's cookie comes with the
        // answer, and events sent alongside it would make a second visitor of the same one.
        send(events);
        if (body) {
          applyDecisions(client, body);
          if (typeof body.preview === "string" && doc.body && !previewBarOf(doc)) {
            doc.body.insertAdjacentHTML("beforeend", body.preview);
          }
          try {
            doc.dispatchEvent(new env.CustomEvent("personalize:decided", { detail: body }));
          } catch (error) {
            // old browsers without CustomEvent: the slots are filled all the same
          }
        }
        return body;
      });
    } else if (config.countPage) {
      events.push({ id: eventId(), name: "page_view", path: path, referrer: doc.referrer || "" });
    }
    if (config.countPage) {
      events.push.apply(events, impressions(served, path));
    }
    if (!client.length || !config.decisions) {
      send(events);
    }
    return decided;
  }

  function start(window) {
    try {
      const doc = window.document;
      const script =
        doc.currentScript || doc.querySelector("script[data-personalize-decisions]");
      const config = readConfig(script);
      const env = {
        window: window,
        document: doc,
        navigator: window.navigator,
        location: window.location,
        fetch: typeof window.fetch === "function" ? window.fetch.bind(window) : null,
        AbortController: window.AbortController,
        CustomEvent: window.CustomEvent,
        setTimeout: window.setTimeout.bind(window),
        clearTimeout: window.clearTimeout.bind(window),
      };
      const go = function () {
        try {
          run(env, config).catch(function () {});
        } catch (error) {
          // personalization is an extra: the page works without it
        }
      };
      const ready = function () {
        if (doc.readyState === "loading") {
          doc.addEventListener("DOMContentLoaded", go);
        } else {
          go();
        }
      };
      if (config.countPage && doc.prerendering) {
        doc.addEventListener("prerenderingchange", ready, { once: true });
      } else {
        ready();
      }
    } catch (error) {
      // never throw into the page
    }
  }

  return {
    readConfig: readConfig,
    queryValue: queryValue,
    decisionUrl: decisionUrl,
    fetchDecisions: fetchDecisions,
    applyDecisions: applyDecisions,
    createSender: createSender,
    run: run,
    start: start,
    MAX_EVENTS: MAX_EVENTS,
  };
});
