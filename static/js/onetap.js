// One-tap logging at the desk: the tiles' undo, +N people, and what the status line says.
// No inline scripts: the CSP allows only our own files.
(function () {
  "use strict";

  function say(message) {
    var status = document.getElementById("desk-status");
    if (status && message) status.textContent = message;
  }

  // A tile offers 撤销 for a few seconds after a tap; the request stays deletable in the list.
  // A swapped tile also takes the focus back, so a keyboard can tap again.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    // The page itself loading is not a swap: the item search keeps its autofocus.
    if (!root.querySelectorAll || root === document.body) return;
    var tiles = root.matches(".tap-tile") ? [root] : root.querySelectorAll(".tap-tile");
    tiles.forEach(function (tile) {
      if (document.activeElement === document.body) {
        var main = tile.querySelector(".tap-log");
        if (main) main.focus();
      }
      var done = tile.querySelector(".tap-done, .tap-undone");
      if (!done) return;
      var seconds = Number(done.getAttribute("data-undo-seconds")) || 8;
      window.setTimeout(function () {
        var hadFocus = done.contains(document.activeElement);
        done.remove();
        if (hadFocus) tile.querySelector(".tap-log").focus();
      }, seconds * 1000);
    });
    // A tile's "Details": the item is chosen in the form; the focus follows it there.
    if (root.id === "item-results") {
      var chosen = root.querySelector("input[type=radio]:checked");
      if (chosen && document.activeElement && document.activeElement.matches(".tap-details")) {
        chosen.focus();
      }
    }
  });

  // +1, +2, +5 by the people count: added to what is there, up to the field's maximum.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-people]");
    if (!button) return;
    var input = button.form && button.form.elements.namedItem("count");
    if (!input) return;
    var max = Number(input.max) || Infinity;
    var value = (parseInt(input.value, 10) || 0) + Number(button.getAttribute("data-add-people"));
    input.value = String(Math.min(Math.max(value, 1), max));
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // A refusal (403, 404, 422 from a tile, +1 or 撤销) says why in the status line: htmx does
  // not swap a 4xx, so the server sends its message as the desk-refused event.
  document.addEventListener("desk-refused", function (event) {
    say(event.detail && event.detail.value);
  });

  // A tile, +1 or 撤销 that did not reach the server, or that the server failed: say so.
  function unreachable(event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest || !elt.closest(".tap-tile, .log-entry")) return;
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500) return; // desk-refused said why
    var status = document.getElementById("desk-status");
    if (status) say(status.getAttribute("data-unreachable"));
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);
  document.addEventListener("htmx:responseError", unreachable);

  // Choose a tile's item in the log form here, in the page: "Details" works offline too,
  // and a tap made offline goes through the log form, whose outbox keeps it until sent.
  function choose(tile) {
    var form = document.getElementById("log-form");
    var results = document.getElementById("item-results");
    var data = tile.querySelector(".tap-form");
    if (!form || !results || !data) return null;
    var item = data.elements.namedItem("service_item").value;
    var label = document.createElement("label");
    label.className = "tile";
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "service_item";
    radio.value = item;
    radio.checked = true;
    radio.setAttribute("hx-get", results.getAttribute("data-guide-url") || "");
    radio.setAttribute("hx-trigger", "change");
    radio.setAttribute("hx-target", "#guide");
    radio.setAttribute("hx-swap", "outerHTML");
    label.appendChild(radio);
    label.appendChild(document.createTextNode(" " + tile.querySelector(".tap-name").textContent));
    results.replaceChildren(label);
    if (radio.getAttribute("hx-get") && window.htmx) window.htmx.process(label);
    return { form: form, data: data, radio: radio };
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".tap-details");
    if (!link || navigator.onLine) return; // online, htmx asks the server (the guide too)
    event.preventDefault();
    event.stopImmediatePropagation();
    var chosen = choose(link.closest(".tap-tile"));
    if (chosen) chosen.radio.focus();
  }, true);

  document.addEventListener("submit", function (event) {
    var data = event.target.closest && event.target.closest(".tap-form");
    if (!data || navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var chosen = choose(data.closest(".tap-tile"));
    if (!chosen) return;
    ["outcome", "count", "channel"].forEach(function (name) {
      var value = data.elements.namedItem(name).value;
      var field = chosen.form.elements.namedItem(name);
      if (!field) return;
      if (field instanceof RadioNodeList || field.type === "radio") {
        Array.prototype.forEach.call(field.length ? field : [field], function (radio) {
          radio.checked = radio.value === value;
        });
      } else {
        field.value = value;
      }
    });
    chosen.form.requestSubmit();
  }, true);
})();
