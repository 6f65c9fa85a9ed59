// The desk's outbox: a walk-in that cannot reach the server (offline, timeout, 5xx) is
// kept on this device with its form key and the time it was served, shown at the top of
// today's list as waiting to sync, and sent again with backoff until the server confirms
// it. The server stores a key once (desks.desk.request_log.log_request), so a retry of an
// entry that did arrive adds nothing. Online, the save stays htmx's (docs/architecture.md).
(function () {
  "use strict";

  var STORE = "desk-outbox";
  var CLOCK = "desk-clock-offset";
  var TIMEOUT = 10000; // ms: a save that takes longer goes to the outbox
  var FIRST_DELAY = 2000;
  var MAX_DELAY = 60000;
  // The server refuses a served time more than 12 hours old (request_log.served_time), so
  // an entry a week old can never be stored: it leaves the device rather than linger there.
  var KEEP_FOR = 7 * 24 * 3600 * 1000;
  // Fields not kept: the CSRF token is read again when sending; searches are not the entry.
  var NOT_KEPT = ["csrfmiddlewaretoken", "after_error", "item_q", "resident_q"];

  var banner = document.getElementById("outbox-status");
  if (!banner) return;
  var user = banner.dataset.user;

  // The server's clock, not the device's: a tablet's clock may be wrong. A page kept by the
  // service worker carries an old time, so it uses the offset of the last fresh page.
  var offset = 0;
  try {
    if (banner.dataset.fresh === "1") {
      offset = Number(banner.dataset.serverTime) * 1000 - Date.now();
      localStorage.setItem(CLOCK, String(offset));
    } else {
      offset = Number(localStorage.getItem(CLOCK)) || 0;
    }
  } catch (error) {
    offset = 0;
  }

  function servedNow() {
    return new Date(Date.now() + offset).toISOString();
  }

  // --- The entries, in localStorage: they outlive a reload and a closed tab. ---

  function load() {
    try {
      var entries = JSON.parse(localStorage.getItem(STORE) || "[]");
      return Array.isArray(entries) ? entries : [];
    } catch (error) {
      return [];
    }
  }

  function forgetStale() {
    var oldest = Date.now() + offset - KEEP_FOR;
    var entries = load();
    var fresh = entries.filter(function (entry) {
      return Date.parse(entry.servedAt) >= oldest;
    });
    if (fresh.length < entries.length) store(fresh);
  }

  function store(entries) {
    localStorage.setItem(STORE, JSON.stringify(entries));
  }

  function mine() {
    return load()
      .filter(function (entry) {
        return entry.user === user;
      })
      .sort(function (a, b) {
        return a.servedAt < b.servedAt ? -1 : 1;
      });
  }

  function put(entry) {
    store(
      load()
        .filter(function (other) {
          return other.key !== entry.key;
        })
        .concat([entry])
    );
  }

  function drop(key) {
    store(
      load().filter(function (entry) {
        return entry.key !== key;
      })
    );
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // randomUUID needs https; the desk may run without
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (byte) {
        return (byte + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // --- What the worker sees: the banner and the waiting rows. ---

  var offline = !navigator.onLine;
  var inFlight = null; // the key htmx is sending now: not shown as waiting

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function waitingRow(entry) {
    var row = document.createElement("li");
    row.className = "log-entry outbox-entry" + (entry.state === "failed" ? " outbox-failed" : "");
    row.dataset.outboxKey = entry.key;
    var served = new Date(entry.servedAt);
    row.appendChild(span("time", pad(served.getHours()) + ":" + pad(served.getMinutes())));
    row.appendChild(document.createTextNode(" "));
    var item = document.createElement("strong");
    item.className = "item";
    item.textContent = entry.item;
    row.appendChild(item);
    if (entry.count > 1) row.appendChild(span("tag", "×" + entry.count));
    row.appendChild(document.createTextNode(" "));
    row.appendChild(span("tag outbox-tag", banner.dataset.labelWaiting));
    if (entry.state === "failed") {
      var error = document.createElement("p");
      error.className = "form-errors outbox-error";
      error.setAttribute("role", "alert");
      error.textContent = banner.dataset.labelFailed + " " + entry.error;
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "link";
      discard.dataset.outboxDiscard = entry.key;
      discard.textContent = banner.dataset.labelDiscard;
      error.appendChild(document.createTextNode(" "));
      error.appendChild(discard);
      row.appendChild(error);
    }
    return row;
  }

  function render() {
    var list = document.getElementById("tonight-log");
    var waiting = mine().filter(function (entry) {
      return entry.key !== inFlight;
    });
    if (list) {
      list.querySelectorAll("li.outbox-entry").forEach(function (row) {
        row.remove();
      });
      if (waiting.length) {
        var empty = list.querySelector("li.empty");
        if (empty) empty.remove();
      }
      waiting.forEach(function (entry) {
        list.insertBefore(waitingRow(entry), list.firstChild);
      });
    }
    banner.querySelector(".outbox-count").textContent = String(waiting.length);
    banner.querySelector(".outbox-offline").hidden = !offline;
    banner.querySelector(".outbox-waiting").hidden = !waiting.length;
    banner.hidden = !offline && !waiting.length;
  }

  document.addEventListener("click", function (event) {
    var key = event.target.dataset && event.target.dataset.outboxDiscard;
    if (!key) return;
    drop(key);
    render();
  });

  // The form starts over for the next walk-in, with a key of its own: the kept entry has
  // the old one (reusing it would make the next walk-in a repeat of this one).
  function startOver(form) {
    var key = form.querySelector("input[name=idempotency_key]");
    if (key) {
      key.setAttribute("value", newKey());
      key.value = key.getAttribute("value");
    }
    form.reset();
    form.querySelectorAll("details[open]").forEach(function (details) {
      details.open = false;
    });
    var results = document.getElementById("item-results");
    if (results) results.replaceChildren();
    var guide = document.getElementById("guide");
    if (guide) guide.replaceChildren();
    var search = document.getElementById("item-search");
    if (search) search.focus();
  }

  // --- The htmx save: each entry gets its served time and is written down before sending. ---

  var sending = null;

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (form.id !== "log-form") return;
    event.detail.parameters.served_at = servedNow();
    event.detail.timeout = TIMEOUT;
    var fields = [];
    event.detail.formData.forEach(function (value, name) {
      if (NOT_KEPT.indexOf(name) < 0 && typeof value === "string") fields.push([name, value]);
    });
    var item = form.querySelector("input[name=service_item]:checked");
    var count = form.querySelector("input[name=count]");
    sending = {
      key: event.detail.formData.get("idempotency_key"),
      user: user,
      url: form.getAttribute("action"),
      fields: fields,
      servedAt: event.detail.parameters.served_at,
      item: item ? item.closest("label").textContent.trim() : "",
      count: count ? Number(count.value) || 1 : 1,
      state: "sending",
    };
    inFlight = sending.key;
    put(sending); // a closed tab mid-save still leaves it here, to be sent again
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!sending || event.detail.elt.id !== "log-form") return;
    var entry = sending;
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    sending = inFlight = null;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) return; // to the login page: kept
    var redirected = xhr && xhr.responseURL && new URL(xhr.responseURL).pathname !== entry.url;
    if (((status >= 200 && status < 300) || status === 422) && !redirected) {
      drop(entry.key); // stored, or refused with its errors shown on the form
      markOnline();
      return;
    }
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      entry.state = "failed";
      entry.error = "HTTP " + status;
    } else {
      entry.state = "waiting";
      if (!status) offline = true;
    }
    put(entry);
    startOver(event.detail.elt);
    render();
    later(FIRST_DELAY);
  });

  // A repeated answer brings the stored row again: today's list shows it once.
  document.addEventListener("htmx:afterSettle", function () {
    var seen = {};
    document.querySelectorAll("#tonight-log li.log-entry[id]").forEach(function (row) {
      if (seen[row.id]) row.remove();
      seen[row.id] = true;
    });
  });

  // --- Sending the kept entries again, oldest first, with backoff. ---

  var delay = FIRST_DELAY;
  var timer = null;
  var busy = false;

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  }

  function markOnline() {
    if (offline) {
      offline = false;
      render();
    }
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function flush() {
    if (busy) return;
    var next = mine().filter(function (entry) {
      return entry.state !== "failed" && entry.key !== inFlight;
    })[0];
    if (!next) {
      delay = FIRST_DELAY;
      return;
    }
    busy = true;
    send(next).then(function (result) {
      busy = false;
      render();
      if (result === "retry") {
        later(delay);
        delay = Math.min(delay * 2, MAX_DELAY);
      } else {
        delay = FIRST_DELAY;
        flush();
      }
    });
  }

  function send(entry) {
    var body = new FormData();
    entry.fields.forEach(function (field) {
      body.append(field[0], field[1]);
    });
    var controller = new AbortController();
    var timeout = setTimeout(function () {
      controller.abort();
    }, TIMEOUT);
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual", // to the login page: not an answer
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
      signal: controller.signal,
    })
      .then(function (response) {
        clearTimeout(timeout);
        if (response.type === "opaqueredirect" || response.headers.get("HX-Redirect")) {
          return "retry";
        }
        markOnline();
        if (response.status >= 500 || response.status === 408 || response.status === 429) {
          return "retry";
        }
        return response.text().then(function (html) {
          return answered(entry, response, new DOMParser().parseFromString(html, "text/html"));
        });
      })
      .catch(function () {
        clearTimeout(timeout);
        if (!navigator.onLine) offline = true;
        return "retry";
      });
  }

  function answered(entry, response, answer) {
    if (response.ok) {
      var row = answer.querySelector('li.log-entry[data-key="' + entry.key + '"]');
      if (!row) return "retry"; // not the answer to a save: ask again
      show(row, answer.getElementById("tonight-count"));
      drop(entry.key);
      return "stored";
    }
    // Refused for good (422: the server says why): shown on the entry, not sent again.
    var messages = [];
    answer.querySelectorAll(".errorlist li").forEach(function (item) {
      var text = item.textContent.trim();
      if (text && messages.indexOf(text) < 0) messages.push(text);
    });
    entry.state = "failed";
    entry.error = messages.join(" ") || "HTTP " + response.status;
    put(entry);
    return "failed";
  }

  function show(row, count) {
    var list = document.getElementById("tonight-log");
    if (!list) return;
    var row_ = document.importNode(row, true);
    var same = document.getElementById(row_.id);
    if (same) same.remove();
    var empty = list.querySelector("li.empty");
    if (empty) empty.remove();
    list.insertBefore(row_, list.firstChild);
    if (window.htmx) window.htmx.process(row_);
    var shown = document.getElementById("tonight-count");
    if (count && shown) shown.textContent = count.textContent;
  }

  // --- Keeping the desk page for a reload while offline (static/js/outbox-worker.js). ---

  function keepPageOffline() {
    if (!("serviceWorker" in navigator) || !banner.dataset.worker) return;
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kept") banner.dataset.offlineReady = "1";
    });
    navigator.serviceWorker
      .register(banner.dataset.worker)
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        var urls = [location.pathname];
        document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=icon][href]").forEach(function (element) {
          urls.push(element.getAttribute("src") || element.getAttribute("href"));
        });
        registration.active.postMessage({ type: "keep", urls: urls });
      })
      .catch(function () {});
    // Logging out forgets the kept page: it lists today's residents.
    document.addEventListener("submit", function (event) {
      if (event.target.matches && event.target.matches("form[action*=logout]") && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget" });
      }
    });
  }

  window.addEventListener("online", function () {
    offline = false;
    delay = FIRST_DELAY;
    render();
    flush();
  });
  window.addEventListener("offline", function () {
    offline = true;
    render();
  });

  forgetStale();
  // Entries whose row the page already lists were stored: their answer was lost.
  document.querySelectorAll("#tonight-log li.log-entry[data-key]").forEach(function (row) {
    drop(row.dataset.key);
  });
  render();
  flush();
  keepPageOffline();
})();
