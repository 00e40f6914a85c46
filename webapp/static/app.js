// The browser's time zone, for the server to show times in it (webapp/i18n.py). Deadlines are judged by the
// server's clock; this only decides how times are written. An IANA name has letters, digits and "/_+-" only.
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
    (window.location.protocol === "https:" ? "; Secure" : "");
})();

// Render the math that the server marked up (markdown-it's dollarmath: span.math.inline / div.math.block).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.katex) return;
  document.querySelectorAll(".math.inline, .math.block").forEach(function (el) {
    var source = el.textContent;
    try {
      window.katex.render(source, el, { displayMode: el.classList.contains("block"), throwOnError: false });
      el.setAttribute("data-rendered", "katex");
    } catch (e) {
      el.textContent = source;
    }
  });
});
