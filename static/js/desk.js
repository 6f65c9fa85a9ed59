// The desk's small behaviours. No inline scripts: the CSP allows only our own files.
(function () {
  "use strict";

  // Enter in a search box picks the first result instead of submitting the log form.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("input[data-search]")) return;
    event.preventDefault();
    var results = document.querySelector(input.getAttribute("data-search"));
    var first = results && results.querySelector("input[type=radio]:not([value=''])");
    if (first) {
      // Results that arrived a moment ago are not wired up until htmx settles them (20 ms):
      // wire this one now, or a quick Enter would choose it without loading its guide.
      if (window.htmx) window.htmx.process(first);
      first.checked = true;
      first.dispatchEvent(new Event("change", { bubbles: true }));
      first.focus();
    }
  });

  // Ctrl+Enter saves the log form from anywhere in it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = event.target.closest && event.target.closest("#log-form");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  // A saved request: the form starts over (the save protocol: docs/architecture.md).
  // The answer brought the next form key and emptied the search results and the guide;
  // the rest goes back to its defaults here.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (form.id !== "log-form" || !form.isConnected || status < 200 || status > 299) return;
    form.reset();
    form.querySelectorAll("details[open]").forEach(function (details) {
      details.open = false;
    });
    var search = document.getElementById("item-search");
    if (search) search.focus();
  });

  document.addEventListener("click", function (event) {
    if (event.target.matches && event.target.matches("[data-print]")) window.print();
  });
})();
