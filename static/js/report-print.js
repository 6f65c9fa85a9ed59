// The monthly report's Print button: a static file, as the CSP allows no inline script.
// Without JavaScript the button stays hidden and the browser's own Print still works.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print-report");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
