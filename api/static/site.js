// The site's own search box: facets folded on a phone, and suggestions (suggest.js, shared with the embed script).
(function () {
  "use strict";
  // On a phone the facets start folded, so the results come first.
  if (window.matchMedia && !window.matchMedia("(min-width: 52rem)").matches) {
    document.querySelectorAll(".facets details[open]").forEach(function (d) { d.open = false; });
  }
  var input = document.querySelector(".searchbox input[data-suggest]");
  if (!input) return;
  var list = input.form.querySelector(".suggestions");
  yiduSuggest(input, list, function (q) { return input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q); });
})();
