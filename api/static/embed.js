/*
 * yidu embeddable search box. A library pastes ONE line into its homepage:
 *
 *   <script src="https://HOST/embed.js" data-library="PKU" async></script>
 *
 * Optional attributes: data-lang="zh|en", data-target="_blank|_self" (default _blank),
 * data-container="#some-id" (render there instead of right after the script), data-suggest="off".
 * The box searches HOST's results site scoped to the library (本馆), with the wider scopes one click away,
 * and suggests titles, names and subjects from HOST/api/v1/suggest (CORS). It lives in a shadow root, so
 * the homepage's CSS cannot break it and it cannot break the homepage. Suggestions are text nodes only.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, document.baseURI).origin;
  var library = (script.getAttribute("data-library") || "").toUpperCase().replace(/[^A-Z0-9-]/g, "");
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "zh";
  var target = script.getAttribute("data-target") || "_blank";
  var text = lang === "en"
    ? { search: "Search", placeholder: "Books, articles, theses... (pinyin works)", label: "Search the library" }
    : { search: "搜索", placeholder: "图书、期刊论文、学位论文……支持拼音", label: "检索本馆及全国馆藏" };

  var host = document.createElement("div");
  host.className = "yidu-embed";
  host.setAttribute("data-library", library);
  var where = script.getAttribute("data-container") && document.querySelector(script.getAttribute("data-container"));
  if (where) where.appendChild(host); else script.parentNode.insertBefore(host, script.nextSibling);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  var style = document.createElement("style");
  style.textContent = [
    ":host{display:block;max-width:36rem;font:16px/1.4 system-ui,'PingFang SC','Microsoft YaHei',sans-serif}",
    "form{display:flex;position:relative;margin:0}",
    "input{flex:1;min-width:0;font:inherit;padding:.5rem .7rem;border:1px solid #8a96a3;border-radius:6px 0 0 6px}",
    "button{font:inherit;padding:.5rem 1rem;border:0;background:#0b5cad;color:#fff;border-radius:0 6px 6px 0;cursor:pointer}",
    "ul{position:absolute;top:100%;left:0;right:0;z-index:2147483000;list-style:none;margin:2px 0 0;padding:0;",
    "background:#fff;border:1px solid #dde2e8;border-radius:6px;box-shadow:0 4px 14px rgba(0,0,0,.15);color:#1d232b}",
    "li{padding:.4rem .7rem;cursor:pointer}li:hover,li[aria-selected=true]{background:#eef4fb}",
    ".kind{color:#5b6573;font-size:.8em;margin-left:.5em}"
  ].join("");
  root.appendChild(style);

  var form = document.createElement("form");
  form.action = origin + "/search";
  form.method = "get";
  form.target = target;
  form.setAttribute("role", "search");
  form.setAttribute("aria-label", text.label);
  var input = document.createElement("input");
  input.type = "search"; input.name = "q"; input.placeholder = text.placeholder; input.autocomplete = "off";
  input.maxLength = 500; input.setAttribute("aria-label", text.label);
  form.appendChild(input);
  [["library", library], ["lang", lang]].forEach(function (kv) {
    if (!kv[1]) return;
    var h = document.createElement("input");
    h.type = "hidden"; h.name = kv[0]; h.value = kv[1];
    form.appendChild(h);
  });
  var button = document.createElement("button");
  button.type = "submit";
  button.appendChild(document.createTextNode(text.search));
  form.appendChild(button);
  var list = document.createElement("ul");
  list.hidden = true;
  list.setAttribute("role", "listbox");
  form.appendChild(list);
  root.appendChild(form);

  if (script.getAttribute("data-suggest") === "off" || !window.fetch) return;
  yiduSuggest(input, list, function (q) {
    return origin + "/api/v1/suggest?q=" + encodeURIComponent(q) + (library ? "&library=" + library : "");
  });
})();
