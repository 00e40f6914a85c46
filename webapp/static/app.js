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
