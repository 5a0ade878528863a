/* Comment counts for index pages, on their own: <span data-count="post-slug"></span>, one request for them all.
 * <script src="https://comments.example/count.js" data-api="https://comments.example" defer></script>
 * Text: data-one="1 comment" data-many="{n} comments" on the script or a span (these are the defaults). */
(function () {
  "use strict";
  var s = document.currentScript || document.querySelector('script[src*="count.js"]');
  var api = ((s && s.getAttribute("data-api")) || (s ? new URL(s.src, location.href).origin : "")).replace(/\/+$/, "");
  function text(node, name, fallback, n) {
    return (node.getAttribute(name) || (s && s.getAttribute(name)) || fallback).replace("{n}", n);
  }
  function run() {
    var nodes = [].slice.call(document.querySelectorAll("[data-count]")), slugs = [];
    nodes.forEach(function (node) {
      var slug = node.getAttribute("data-count");
      if (/^[\w-]{1,200}$/.test(slug) && slugs.indexOf(slug) < 0) slugs.push(slug);
    });
    for (var i = 0; i < slugs.length; i += 100) {
      fetch(api + "/api/counts?post=" + slugs.slice(i, i + 100).join("&post="), { mode: "cors", credentials: "omit" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          nodes.forEach(function (node) {
            var c = d && d.counts[node.getAttribute("data-count")];
            if (c) node.textContent = c.comments === 1 ? text(node, "data-one", "1 comment", 1) : text(node, "data-many", "{n} comments", c.comments);
          });
        }, function () {});
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
