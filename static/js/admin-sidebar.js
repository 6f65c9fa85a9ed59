// The admin's sidebar ends at the screen's bottom and scrolls within, whatever the height
// of the header above it (it grows with the font and wraps on narrow screens): its last
// links were below the screen at a laptop's 1366×768 (static/css/admin.css).
(function () {
  "use strict";
  var nav = document.getElementById("nav-sidebar");
  if (!nav) return;
  function fit() {
    var top = nav.getBoundingClientRect().top + window.scrollY;
    document.documentElement.style.setProperty("--sidebar-top", top + "px");
  }
  fit();
  window.addEventListener("resize", fit);
})();
