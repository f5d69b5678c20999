// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen-reader and keyboard users hear what to fix.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  // Prevent a double submit of the same form.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
});
// A running campaign's progress: reload every N seconds while nobody is typing (the page also has a
// link to reload by hand and one to turn this off).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.querySelector("[data-refresh]");
  if (!el) { return; }
  var secs = parseInt(el.getAttribute("data-refresh"), 10) || 10;
  setTimeout(function tick() {
    var a = document.activeElement;
    if (a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) { setTimeout(tick, secs * 1000); return; }
    window.location.reload();
  }, secs * 1000);
});
