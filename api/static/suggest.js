// The suggestion list under a search box, shared by the site (site.js) and the embed script (served at
// /embed.js as suggest.js + embed.js, one file). Suggestions are inserted as text nodes only: nothing
// from the API is ever parsed as HTML.
var yiduSuggest = function (input, list, urlFor) {
  "use strict";
  var timer = null, asked = "", active = -1;
  function clear() { while (list.firstChild) list.removeChild(list.firstChild); list.hidden = true; active = -1; }
  function choose(value) { input.value = value; clear(); input.form.submit(); }
  function show(items) {
    clear();
    items.forEach(function (s) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.appendChild(document.createTextNode(s.text));
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.appendChild(document.createTextNode(s.kind));
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(s.text); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
  }
  input.addEventListener("input", function () {
    var q = input.value.trim();
    clearTimeout(timer);
    if (!q) { clear(); return; }
    timer = setTimeout(function () {
      if (q === asked) return;
      asked = q;
      fetch(urlFor(q), { mode: "cors", credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) show(data.suggestions || []); })
        .catch(clear);
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    var items = list.querySelectorAll("li");
    if (!items.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(items[active].firstChild.nodeValue);
    } else if (e.key === "Escape") { clear(); }
  });
  input.addEventListener("blur", function () { setTimeout(clear, 100); });
};
