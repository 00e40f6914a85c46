// The exercise editor (templates/teach/exercise_edit.html): a live preview of each task text as the teacher types
// (Markdown's paragraphs, headings, lists, tables, emphasis and code, with $…$ and $$…$$ typeset by the vendored
// KaTeX), and the form's sections shown for what is chosen (the data's source, a part's kind, a generator, a family).
// The server renders the text students will see with the same Markdown rules; "Preview the keys" shows that
// rendering. Nothing here is needed to submit the form: without JavaScript every section is simply shown.
(function () {
  "use strict";

  // ----- the task text --------------------------------------------------------------------------------------------

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function math(tex, display) {
    if (!window.katex) return '<code>' + escapeHtml(tex) + '</code>';
    return window.katex.renderToString(tex, { displayMode: display, throwOnError: false });
  }

  function emphasis(text) {
    return escapeHtml(text)
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/__([^_]+)__/g, "<strong>$1</strong>")
      .replace(/\*([^*\s][^*]*)\*/g, "<em>$1</em>")
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, function (all, label, url) {
        return /^(https?:|\/|#)/.test(url) ? '<a href="' + url + '">' + label + "</a>" : all;
      });
  }

  // Math and code first (their text is not Markdown), the rest with emphasis.
  function inline(text) {
    var pattern = /\$\$([\s\S]+?)\$\$|\$([^$]+?)\$|`([^`]+)`/g, out = "", last = 0, match;
    while ((match = pattern.exec(text))) {
      out += emphasis(text.slice(last, match.index));
      if (match[1] !== undefined) out += math(match[1], false);
      else if (match[2] !== undefined) out += math(match[2], false);
      else out += "<code>" + escapeHtml(match[3]) + "</code>";
      last = pattern.lastIndex;
    }
    return out + emphasis(text.slice(last));
  }

  function tableRow(line, cell) {
    var cells = line.trim().replace(/^\||\|$/g, "").split("|");
    return "<tr>" + cells.map(function (c) { return "<" + cell + ">" + inline(c.trim()) + "</" + cell + ">"; }).join("") + "</tr>";
  }

  function markdown(text) {
    var lines = text.replace(/\r\n/g, "\n").split("\n"), html = [], paragraph = [], list = null, i = 0;
    function flush() {
      if (paragraph.length) html.push("<p>" + inline(paragraph.join("\n")) + "</p>");
      paragraph = [];
      if (list) html.push("<" + list.tag + ">" + list.items.map(function (item) {
        return "<li>" + inline(item) + "</li>";
      }).join("") + "</" + list.tag + ">");
      list = null;
    }
    while (i < lines.length) {
      var line = lines[i], trimmed = line.trim(), match;
      if (!trimmed) { flush(); i += 1; continue; }
      if (/^\$\$/.test(trimmed)) {
        flush();
        var body = [trimmed.slice(2)];
        while (!/\$\$\s*$/.test(body[body.length - 1]) && i + 1 < lines.length) { i += 1; body.push(lines[i]); }
        html.push('<div class="math block">' + math(body.join("\n").replace(/\$\$\s*$/, ""), true) + "</div>");
        i += 1;
        continue;
      }
      if ((match = /^(#{1,6})\s+(.*)$/.exec(trimmed))) {
        flush();
        html.push("<h" + match[1].length + ">" + inline(match[2]) + "</h" + match[1].length + ">");
      } else if ((match = /^([-*+]|\d+[.)])\s+(.*)$/.exec(trimmed))) {
        var tag = /^\d/.test(match[1]) ? "ol" : "ul";
        if (paragraph.length || (list && list.tag !== tag)) flush();
        list = list || { tag: tag, items: [] };
        list.items.push(match[2]);
      } else if (/^\|/.test(trimmed) && i + 1 < lines.length && /^\|?\s*:?-{3,}/.test(lines[i + 1].trim())) {
        flush();
        var rows = [tableRow(trimmed, "th")];
        i += 2;
        while (i < lines.length && /^\|/.test(lines[i].trim())) { rows.push(tableRow(lines[i], "td")); i += 1; }
        html.push("<table><thead>" + rows[0] + "</thead><tbody>" + rows.slice(1).join("") + "</tbody></table>");
        continue;
      } else if (list) {
        list.items[list.items.length - 1] += " " + trimmed;  // a list item's continuation line
      } else {
        paragraph.push(trimmed);
      }
      i += 1;
    }
    flush();
    return html.join("\n");
  }

  function livePreview(box) {
    var input = document.getElementById(box.getAttribute("data-preview-of"));
    var body = box.querySelector(".live-body");
    if (!input || !body) return;
    var pending = null;
    function show() { pending = null; body.innerHTML = markdown(input.value); }
    input.addEventListener("input", function () {
      if (pending === null) pending = window.setTimeout(show, 120);
    });
    show();
  }

  // ----- sections shown for what is chosen ------------------------------------------------------------------------

  function dataSources(form) {
    var radios = form.querySelectorAll('input[name="data_source"]');
    function update() {
      var chosen = form.querySelector('input[name="data_source"]:checked');
      var value = chosen ? chosen.value : "none";
      form.querySelectorAll("[data-source-panel]").forEach(function (panel) {
        var shows = panel.getAttribute("data-source-panel").split(" ").indexOf(value) >= 0;
        panel.hidden = !shows && !panel.querySelector(".field-error");
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  function generatorInfo(form) {
    var select = form.querySelector('select[name="generator"]');
    if (!select) return;
    function update() {
      document.querySelectorAll("#generator-info [data-generator]").forEach(function (info) {
        info.hidden = info.getAttribute("data-generator") !== select.value;
      });
    }
    select.addEventListener("change", update);
    update();
  }

  var EXTRAS_EXAMPLES = {
    number: "allow_percent = true",
    vector: "",
    formula: 'variables = [{ name = "p", parameter = "p" }]',
    choice: 'options = [{ id = "a", ru = "…", en = "…" }, { id = "b", ru = "…", en = "…" }]\ncorrect = ["a"]',
    text: 'rubric = { ru = "…", en = "…" }'
  };

  function partKinds(form) {
    form.querySelectorAll("[data-part]").forEach(function (part) {
      var select = part.querySelector('select[name$="-kind"]');
      var extras = part.querySelector('textarea[name$="-extras"]');
      if (!select) return;
      function update() {
        part.querySelectorAll("[data-for-kinds]").forEach(function (block) {
          var wanted = block.getAttribute("data-for-kinds").split(" ").indexOf(select.value) >= 0;
          // A field that holds something, or a message, stays visible: the teacher must be able to clear it.
          var filled = Array.prototype.some.call(block.querySelectorAll("input"), function (input) {
            return input.value.trim() !== "";
          });
          block.hidden = !wanted && !filled && !block.querySelector(".field-error");
        });
        if (extras) extras.placeholder = EXTRAS_EXAMPLES[select.value] || "";
      }
      select.addEventListener("change", update);
      update();
    });
  }

  function familyHints(form) {
    var inputs = {};
    document.querySelectorAll("#families [data-family]").forEach(function (item) {
      inputs[item.getAttribute("data-family")] = item.getAttribute("data-inputs");
    });
    form.querySelectorAll("[data-family-hint-for]").forEach(function (hint) {
      var select = document.getElementById(hint.getAttribute("data-family-hint-for"));
      if (!select) return;
      function update() {
        var names = inputs[select.value];
        hint.textContent = names ? names.split(" ").join(", ") : "";
        if (names) hint.insertAdjacentHTML("afterbegin", '<span aria-hidden="true">→ </span>');
      }
      select.addEventListener("change", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("exercise-editor");
    if (!form) return;
    document.querySelectorAll("[data-preview-of]").forEach(livePreview);
    dataSources(form);
    generatorInfo(form);
    partKinds(form);
    familyHints(form);
  });
})();
