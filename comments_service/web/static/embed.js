/* Comment service widgets: no build step, no dependencies.
 * <div data-widget="comments|like|recent-comments|popular-tags|recent-posts" data-post="slug"></div>
 * <script src="https://comments.example/embed.js" data-api="https://comments.example" defer></script>
 * Translate by defining window.CommentWidgetStrings = {key: "text", ...} before this script. */
(function () {
  "use strict";
  var S = {
    loadingComments: "Loading comments...", loadingPosts: "Loading posts...", loadingTags: "Loading tags...",
    loadingLike: "Loading...", failed: "Could not load this right now.", retry: "Try again",
    network: "Could not reach the comment service. Check your connection and try again.",
    tooFast: "You are posting too fast. Please wait {s} seconds and try again.",
    unavailable: "The comment service is busy. Please try again in a moment.",
    count0: "No comments yet", count1: "1 comment", countN: "{n} comments",
    sort: "Sort", oldest: "Oldest", newest: "Newest", top: "Most liked", more: "Load more comments",
    leave: "Leave a comment", replyTo: "Reply to {name}", name: "Name", email: "E-mail (optional, never shown)",
    website: "Website (optional)", comment: "Comment", hint: "Markdown: **bold**, _italic_, [link](https://...), `code`",
    submit: "Post comment", sending: "Posting...", reply: "Reply", cancel: "Cancel", edit: "Edit", save: "Save",
    del: "Delete", confirmDelete: "Delete this comment?", deleted: "This comment was deleted.",
    pending: "Awaiting moderation", pendingNotice: "Thank you! Your comment is awaiting moderation; only you see it until a moderator approves it.",
    posted: "Thank you! Your comment is published.", editPending: "Saved. Your edit is awaiting moderation.",
    likeQ: "Do you like {title}?", likeN: "{n} likes", like1: "1 like", likeComment: "Like",
    noComments: "No comments yet.", noTags: "No tags yet.", noPosts: "No posts yet.", on: "on", edited: "edited",
    honeypot: "Leave this field empty",
    notify: "Mail me when someone replies", notifyNeedsEmail: "Type your e-mail above to get replies by mail.",
    notifyConfirm: "Check your mail: open the link we sent to confirm, then you get replies by mail.",
    notifyActive: "You will get a mail when someone replies."
  };
  var custom = window.CommentWidgetStrings || {};
  for (var k in custom) if (Object.prototype.hasOwnProperty.call(custom, k)) S[k] = custom[k];
  function t(key, vars) {
    return String(S[key]).replace(/\{(\w+)\}/g, function (m, name) { return vars && name in vars ? vars[name] : m; });
  }

  var script = document.currentScript || document.querySelector("script[data-api]") ||
    document.querySelector('script[src*="embed.js"]');
  var API = ((script && script.getAttribute("data-api")) || (script ? new URL(script.src, location.href).origin : "")).replace(/\/+$/, "");

  var memory = {};
  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return key in memory ? memory[key] : fallback; }
  }
  function store(key, value) {
    memory[key] = value;
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
  }
  function readerToken() {
    var token = load("cs-reader-token", null);
    if (typeof token !== "string" || token.length < 16) {
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      token = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      store("cs-reader-token", token);
    }
    return token;
  }

  function api(method, path, body, headers) {
    var h = { Accept: "application/json" };
    if (body !== undefined) h["Content-Type"] = "application/json";
    for (var name in headers || {}) h[name] = headers[name];
    return fetch(API + path, { method: method, headers: h, mode: "cors", credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        var res = { ok: r.ok, status: r.status, retry: r.headers.get("Retry-After"), data: null };
        if (r.status === 204) return res;
        return r.json().then(function (d) { res.data = d; return res; }, function () { return res; });
      });
  }
  function problem(res) {
    if (!res) return t("network");
    if (res.status === 429) return t("tooFast", { s: res.retry || 60 });
    if (res.status === 503) return t("unavailable");
    return (res.data && res.data.error && res.data.error.message) || t("failed");
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      var v = attrs[key];
      if (v === null || v === undefined || v === false) continue;
      if (key === "text") node.textContent = v;
      else if (key === "className") node.className = v;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), v);
      else node.setAttribute(key, v === true ? "" : v);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  // The service's URL rule, the same patterns as comments_service/urls.py: a path on the site or an http(s)
  // URL, with nothing a browser reads otherwise than it looks (backslashes, tabs, controls, "//").
  var URL_BAD = new RegExp("[\\x00-\\x20\\x7f-\\x9f\\\\\\u00a0\\u00ad\\u1680\\u180e\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f\\u3000\\ufeff]|%5c", "i");
  var URL_SHAPE = new RegExp("^(?:/(?![/\\\\]|%2f)|https?://(?:(?:[a-z0-9_-]+\\.)*[a-z_-][a-z0-9_-]*|(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})(?::(?:[0-9]{1,4}|[1-5][0-9]{4}))?(?=[/?#]|$))", "i");
  function safeUrl(url) { return typeof url === "string" && !URL_BAD.test(url) && URL_SHAPE.test(url) ? url : null; }

  function timeEl(iso) {
    var date = new Date(iso), diff = (date.getTime() - Date.now()) / 1000, text = date.toLocaleString();
    if (window.Intl && Intl.RelativeTimeFormat) {
      var rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
      var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
      text = rtf.format(Math.round(diff), "second");
      for (var i = 0; i < units.length; i++) {
        if (Math.abs(diff) >= units[i][1]) { text = rtf.format(Math.round(diff / units[i][1]), units[i][0]); break; }
      }
    }
    return el("time", { datetime: iso, title: date.toLocaleString(), text: text });
  }

  function identicon(hash) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 5 5"); svg.setAttribute("class", "cs-avatar"); svg.setAttribute("aria-hidden", "true");
    hash = /^[0-9a-f]{16,}$/.test(hash || "") ? hash : "0000000000000000";
    var color = "hsl(" + (parseInt(hash.slice(0, 6), 16) % 360) + ",55%,52%)";
    for (var i = 0; i < 15; i++) {
      if (parseInt(hash.charAt(6 + (i % 10)), 16) + i % 3 < 8) continue;
      var x = Math.floor(i / 5), y = i % 5;
      [x, 4 - x].forEach(function (cx) {
        var r = document.createElementNS(ns, "rect");
        r.setAttribute("x", cx); r.setAttribute("y", y); r.setAttribute("width", 1); r.setAttribute("height", 1);
        r.setAttribute("fill", color); svg.appendChild(r);
      });
    }
    return svg;
  }

  function loading(root, key) {
    clear(root).appendChild(el("p", { className: "cs-loading", role: "status", text: t(key) }));
  }
  function failed(root, res, again) {
    clear(root).appendChild(el("p", { className: "cs-error", role: "alert" },
      [problem(res) + " ", el("button", { type: "button", className: "cs-link", text: t("retry"), onclick: again })]));
  }
  function get(root, key, path, render, headers, missing) {
    var again = function () { get(root, key, path, render, headers, missing); };
    loading(root, key);
    api("GET", path, undefined, headers).then(function (res) {
      if (res.ok) render(res.data);
      else if (res.status === 404 && missing) render(missing); /* a post nobody has commented on yet */
      else failed(root, res, again);
    }, function () { failed(root, null, again); });
  }

  /* ---- comments ---- */
  function Thread(root) {
    this.root = root; this.slug = root.getAttribute("data-post"); this.sort = "oldest";
    this.edits = load("cs-edit-tokens", {});
    liveThread(this); /* live updates: see that section */
    this.start();
  }
  Thread.prototype.start = function () {
    var self = this;
    get(this.root, "loadingComments", this.path(), function (data) { self.render(data); }, undefined,
      { post: { comment_count: 0 }, comments: [], next_cursor: null });
  };
  Thread.prototype.path = function (cursor) {
    return "/api/posts/" + encodeURIComponent(this.slug) + "/comments?sort=" + this.sort + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
  };
  Thread.prototype.render = function (data) {
    var self = this, root = clear(this.root);
    this.count = el("h3", { className: "cs-title" });
    this.setCount(data.post.comment_count);
    var sort = el("select", { "aria-label": t("sort"), onchange: function () { self.sort = sort.value; self.reload(); } },
      ["oldest", "newest", "top"].map(function (s) { return el("option", { value: s, text: t(s), selected: s === self.sort }); }));
    this.notice = el("p", { className: "cs-notice", role: "status", "aria-live": "polite" });
    this.list = el("ul", { className: "cs-list" });
    this.more = el("button", { type: "button", className: "cs-button cs-more", text: t("more"), onclick: function () { self.loadMore(); } });
    root.appendChild(el("div", { className: "cs-head" }, [this.count, el("label", { className: "cs-sort" }, [t("sort") + " ", sort])]));
    root.appendChild(this.form(null));
    root.appendChild(this.notice);
    root.appendChild(this.list);
    root.appendChild(this.more);
    this.append(data);
  };
  Thread.prototype.reload = function () {
    var self = this;
    api("GET", this.path()).then(function (res) {
      if (!res.ok) return self.say(problem(res), true);
      clear(self.list); self.append(res.data);
    }, function () { self.say(t("network"), true); });
  };
  Thread.prototype.setCount = function (n) {
    this.count.textContent = n === 0 ? t("count0") : n === 1 ? t("count1") : t("countN", { n: n });
  };
  Thread.prototype.append = function (data) {
    var self = this, seen = {};
    (function mark(list) { list.forEach(function (c) { seen[c.id] = true; mark(c.replies || []); }); })(data.comments);
    data.comments.forEach(function (c) { self.list.appendChild(self.item(c)); });
    this.cursor = data.next_cursor;
    this.more.hidden = !data.next_cursor;
    var mine = load("cs-pending", {}), changed = false;
    Object.keys(mine).forEach(function (id) {
      var c = mine[id];
      if (seen[id] || new Date(c.edit_until).getTime() + 7 * 86400000 < Date.now()) { delete mine[id]; changed = true; return; }
      if (c.post !== self.slug || self.root.querySelector('[data-id="' + c.id + '"]')) return;
      self.place(c);
    });
    if (changed) store("cs-pending", mine);
    if (!this.list.firstChild) this.list.appendChild(el("li", { className: "cs-empty", text: t("noComments") }));
  };
  Thread.prototype.place = function (c) {
    var parent = c.parent_id && this.root.querySelector('[data-id="' + c.parent_id + '"] > .cs-replies');
    var empty = this.list.querySelector(".cs-empty");
    if (empty) empty.parentNode.removeChild(empty);
    (parent || this.list).appendChild(this.item(c));
  };
  Thread.prototype.loadMore = function () {
    var self = this;
    this.more.disabled = true;
    api("GET", this.path(this.cursor)).then(function (res) {
      self.more.disabled = false;
      if (res.ok) self.append(res.data); else self.say(problem(res), true);
    }, function () { self.more.disabled = false; self.say(t("network"), true); });
  };
  Thread.prototype.say = function (text, error) {
    this.notice.textContent = text;
    this.notice.className = "cs-notice" + (error ? " cs-error" : " cs-ok");
  };
  Thread.prototype.item = function (c) {
    var self = this, own = this.edits[c.id], li = el("li", { className: "cs-comment", "data-id": c.id });
    var body = el("div", { className: "cs-body" });
    if (c.deleted) {
      body.appendChild(el("p", { className: "cs-muted", text: t("deleted") }));
    } else {
      body.innerHTML = c.body_html; /* sanitized by the service (bleach allow-list) */
      var site = safeUrl(c.website);
      var author = site ? el("a", { href: site, rel: "nofollow ugc noopener", className: "cs-author", text: c.author })
        : el("span", { className: "cs-author", text: c.author });
      li.appendChild(el("div", { className: "cs-meta" }, [identicon(c.avatar), author, " ", timeEl(c.created_at),
        c.edited_at ? el("span", { className: "cs-muted", text: " · " + t("edited") }) : null,
        c.status === "pending" ? el("span", { className: "cs-badge", text: t("pending") }) : null]));
    }
    li.appendChild(body);
    var actions = el("div", { className: "cs-actions" });
    if (!c.deleted && c.status !== "pending") {
      var liked = load("cs-liked-comments", {});
      var like = el("button", { type: "button", className: "cs-link cs-clike", "aria-pressed": liked[c.id] ? "true" : "false",
        "aria-label": t("likeComment"), text: "\u2665 " + (c.like_count || 0) });
      like.addEventListener("click", function () { self.likeComment(c, like); });
      actions.appendChild(like);
      actions.appendChild(el("button", { type: "button", className: "cs-link", text: t("reply"),
        onclick: function () { self.openReply(c, li); } }));
    }
    if (own && new Date(own.until).getTime() > Date.now() && !c.deleted) {
      actions.appendChild(el("button", { type: "button", className: "cs-link", text: t("edit"), onclick: function () { self.edit(c, li, body); } }));
      actions.appendChild(el("button", { type: "button", className: "cs-link", text: t("del"), onclick: function () { self.remove(c, li); } }));
    }
    li.appendChild(actions);
    var replies = el("ul", { className: "cs-replies" });
    (c.replies || []).forEach(function (r) { replies.appendChild(self.item(r)); });
    li.appendChild(replies);
    return li;
  };
  Thread.prototype.likeComment = function (c, button) {
    var liked = load("cs-liked-comments", {}), on = button.getAttribute("aria-pressed") !== "true";
    api(on ? "POST" : "DELETE", "/api/comments/" + c.id + "/likes", undefined, { "X-Reader-Token": readerToken() }).then(function (res) {
      if (!res.ok) return;
      if (res.data.liked) liked[c.id] = true; else delete liked[c.id];
      store("cs-liked-comments", liked);
      button.setAttribute("aria-pressed", res.data.liked ? "true" : "false");
      button.textContent = "\u2665 " + res.data.like_count;
    });
  };
  Thread.prototype.openReply = function (c, li) {
    var open = this.root.querySelector(".cs-reply-form");
    if (open) open.parentNode.removeChild(open);
    var form = this.form(c);
    li.insertBefore(form, li.querySelector(".cs-replies"));
    form.querySelector("textarea").focus();
  };
  Thread.prototype.form = function (parent) {
    var self = this, saved = load("cs-author", {}), uid = "cs" + Math.random().toString(36).slice(2, 8);
    function field(name, label, input) {
      input.id = uid + "-" + name; input.name = name;
      return el("div", { className: "cs-field" }, [el("label", { "for": input.id, text: label }), input,
        el("span", { className: "cs-field-error", id: input.id + "-error", "aria-live": "polite" })]);
    }
    var form = el("form", { className: "cs-form" + (parent ? " cs-reply-form" : ""), novalidate: true });
    form.appendChild(el("h4", { className: "cs-form-title", text: parent ? t("replyTo", { name: parent.author }) : t("leave") }));
    form.appendChild(el("div", { className: "cs-row" }, [
      field("author", t("name"), el("input", { type: "text", required: true, maxlength: 80, autocomplete: "name", value: saved.author || "" })),
      field("email", t("email"), el("input", { type: "email", maxlength: 254, autocomplete: "email", value: saved.email || "" })),
      field("website", t("website"), el("input", { type: "url", maxlength: 2000, autocomplete: "url", value: saved.website || "" }))]));
    form.appendChild(field("body", t("comment"), el("textarea", { required: true, rows: 4, maxlength: 10000, "aria-describedby": uid + "-hint" })));
    form.appendChild(el("p", { className: "cs-hint", id: uid + "-hint", text: t("hint") }));
    /* Reply mails need an address: the box is enabled while one is typed. */
    var email = form.querySelector("input[type=email]");
    var notify = el("input", { type: "checkbox", name: "notify", id: uid + "-notify", className: "cs-check-input",
      "aria-describedby": uid + "-notify-hint" });
    var notifyHint = el("span", { className: "cs-hint", id: uid + "-notify-hint" });
    function notifyState() {
      var has = !!email.value.trim();
      notify.disabled = !has;
      if (!has) notify.checked = false;
      notifyHint.textContent = has ? "" : t("notifyNeedsEmail");
    }
    email.addEventListener("input", notifyState);
    notifyState();
    form.appendChild(el("div", { className: "cs-check" }, [notify, el("label", { "for": notify.id, text: t("notify") }), notifyHint]));
    /* Honeypot: people never see or fill it; bots that fill every field get marked as spam. */
    form.appendChild(el("div", { className: "cs-hp", "aria-hidden": "true" }, [el("label", { text: t("honeypot") },
      [el("input", { type: "text", name: "website_confirm", tabindex: "-1", autocomplete: "off" })])]));
    var status = el("p", { className: "cs-form-status", role: "status", "aria-live": "polite" });
    var submit = el("button", { type: "submit", className: "cs-button", text: t("submit") });
    form.appendChild(el("div", { className: "cs-row" }, [submit,
      parent ? el("button", { type: "button", className: "cs-link", text: t("cancel"), onclick: function () { form.parentNode.removeChild(form); } }) : null,
      status]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = function (n) { return form.elements[n].value; };
      var body = { author: value("author").trim(), body: value("body") };
      ["email", "website"].forEach(function (n) { if (value(n).trim()) body[n] = value(n).trim(); });
      if (value("website_confirm")) body.website_confirm = value("website_confirm");
      if (parent) body.parent_id = parent.id;
      if (form.elements.notify.checked && body.email) body.notify = true;
      Array.prototype.forEach.call(form.querySelectorAll(".cs-field-error"), function (e) { e.textContent = ""; });
      Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (e) { e.removeAttribute("aria-invalid"); });
      submit.disabled = true; status.textContent = t("sending"); status.className = "cs-form-status";
      api("POST", "/api/posts/" + encodeURIComponent(self.slug) + "/comments", body, { "X-Reader-Token": readerToken() })
        .then(function (res) { submit.disabled = false; status.textContent = ""; self.posted(res, form, body, status); },
          function () { submit.disabled = false; status.textContent = t("network"); status.className = "cs-form-status cs-error"; });
    });
    return form;
  };
  Thread.prototype.posted = function (res, form, sent, status) {
    if (!res.ok) {
      var fields = res.data && res.data.error && res.data.error.fields;
      if (res.status === 422 && fields) {
        Object.keys(fields).forEach(function (name) {
          var input = form.elements[name === "parent_id" ? "body" : name];
          var holder = input && form.querySelector("#" + input.id + "-error");
          if (holder) { holder.textContent = fields[name].join(" "); input.setAttribute("aria-invalid", "true"); }
          else { status.textContent = fields[name].join(" "); }
        });
      } else {
        status.textContent = problem(res);
      }
      status.className = "cs-form-status cs-error";
      return;
    }
    var c = res.data;
    store("cs-author", { author: sent.author, email: sent.email || "", website: sent.website || "" });
    this.edits[c.id] = { token: c.edit_token, until: c.edit_until, text: sent.body };
    store("cs-edit-tokens", this.edits);
    c.post = this.slug;
    var told = c.subscription === "confirm" ? " " + t("notifyConfirm") : c.subscription === "active" ? " " + t("notifyActive") : "";
    if (c.status === "pending") {
      var mine = load("cs-pending", {}); mine[c.id] = c; store("cs-pending", mine);
      this.say(t("pendingNotice") + told);
    } else {
      this.say(t("posted") + told);
      this.setCount((parseInt((this.count.textContent.match(/\d+/) || ["0"])[0], 10) || 0) + 1);
    }
    if (form.classList.contains("cs-reply-form")) form.parentNode.removeChild(form);
    else form.elements.body.value = "";
    this.place(c);
  };
  Thread.prototype.edit = function (c, li, body) {
    var self = this, own = this.edits[c.id];
    var area = el("textarea", { rows: 4, "aria-label": t("edit"), maxlength: 10000 });
    area.value = own.text || body.textContent;
    var box = el("div", { className: "cs-edit" }, [area, el("div", { className: "cs-row" }, [
      el("button", { type: "button", className: "cs-button", text: t("save"), onclick: function () {
        api("PATCH", "/api/comments/" + c.id, { body: area.value }, { "X-Edit-Token": own.token }).then(function (res) {
          if (!res.ok) return self.say(problem(res), true);
          own.text = area.value; store("cs-edit-tokens", self.edits);
          res.data.status = res.data.status || c.status;
          var fresh = self.item(res.data);
          li.parentNode.replaceChild(fresh, li);
          if (res.data.status === "pending") {
            var mine = load("cs-pending", {}); res.data.post = self.slug; mine[c.id] = res.data; store("cs-pending", mine);
            self.say(t("editPending"));
          }
        }, function () { self.say(t("network"), true); });
      } }),
      el("button", { type: "button", className: "cs-link", text: t("cancel"), onclick: function () { box.parentNode.replaceChild(body, box); } })])]);
    li.replaceChild(box, body);
    area.focus();
  };
  Thread.prototype.remove = function (c, li) {
    var self = this;
    if (!window.confirm(t("confirmDelete"))) return;
    api("DELETE", "/api/comments/" + c.id, undefined, { "X-Edit-Token": this.edits[c.id].token }).then(function (res) {
      if (!res.ok) return self.say(problem(res), true);
      delete self.edits[c.id]; store("cs-edit-tokens", self.edits);
      var mine = load("cs-pending", {}); delete mine[c.id]; store("cs-pending", mine);
      li.parentNode.removeChild(li);
    }, function () { self.say(t("network"), true); });
  };

  /* ---- like button ---- */
  function Like(root) {
    var slug = root.getAttribute("data-post"), label = root.getAttribute("data-title");
    var token = { "X-Reader-Token": readerToken() }, path = "/api/posts/" + encodeURIComponent(slug);
    function draw(title, count, liked) {
      var button = el("button", { type: "button", className: "cs-like-button", "aria-pressed": liked ? "true" : "false" },
        [el("span", { className: "cs-heart", "aria-hidden": "true", text: "\u2665" }), " ",
          el("span", { text: t("likeQ", { title: label || title }) }), " ",
          el("span", { className: "cs-like-count", text: count === 1 ? t("like1") : t("likeN", { n: count }) })]);
      button.addEventListener("click", function () {
        button.disabled = true;
        var on = button.getAttribute("aria-pressed") !== "true";
        api(on ? "POST" : "DELETE", path + "/likes", undefined, token).then(function (res) {
          button.disabled = false;
          if (res.ok) draw(title, res.data.like_count, res.data.liked);
          else clear(root).appendChild(el("p", { className: "cs-error", role: "alert", text: problem(res) }));
        }, function () { button.disabled = false; root.appendChild(el("p", { className: "cs-error", role: "alert", text: t("network") })); });
      });
      clear(root).appendChild(button);
      return button;
    }
    loading(root, "loadingLike");
    api("GET", path, undefined, token).then(function (res) {
      if (res.ok) draw(res.data.title, res.data.like_count, res.data.liked);
      else if (res.status === 404) draw(slug, 0, false);
      else failed(root, res, function () { Like(root); });
    }, function () { failed(root, null, function () { Like(root); }); });
  }

  /* ---- sidebar widgets ---- */
  function RecentComments(root) {
    get(root, "loadingComments", "/api/widgets/recent-comments?limit=" + (root.getAttribute("data-limit") || 5), function (data) {
      clear(root).appendChild(data.comments.length ? el("ul", { className: "cs-plain" }, data.comments.map(function (c) {
        var link = safeUrl(c.post.url);
        return el("li", { "data-id": c.id }, [el("span", { className: "cs-author", text: c.author }), " " + t("on") + " ",
          link ? el("a", { href: link, text: c.post.title }) : el("span", { text: c.post.title }),
          el("div", { className: "cs-excerpt", text: c.excerpt }), timeEl(c.created_at)]);
      })) : el("p", { className: "cs-muted", text: t("noComments") }));
    });
  }
  function PopularTags(root) {
    var template = root.getAttribute("data-tag-url");
    get(root, "loadingTags", "/api/widgets/popular-tags?limit=" + (root.getAttribute("data-limit") || 20), function (data) {
      var max = Math.max.apply(null, data.tags.map(function (x) { return x.count; }).concat([1]));
      clear(root).appendChild(data.tags.length ? el("ul", { className: "cs-cloud" }, data.tags.map(function (tag) {
        var size = (0.85 + 0.75 * tag.count / max).toFixed(2) + "em", attrs = { text: tag.name, title: tag.count, style: "font-size:" + size };
        if (template) attrs.href = template.replace("{tag}", encodeURIComponent(tag.name));
        return el("li", {}, [el(template ? "a" : "span", attrs)]);
      })) : el("p", { className: "cs-muted", text: t("noTags") }));
    });
  }
  function RecentPosts(root) {
    get(root, "loadingPosts", "/api/widgets/recent-posts?limit=" + (root.getAttribute("data-limit") || 5), function (data) {
      clear(root).appendChild(data.posts.length ? el("ul", { className: "cs-plain" }, data.posts.map(function (p) {
        var link = safeUrl(p.url);
        return el("li", {}, [link ? el("a", { href: link, text: p.title }) : el("span", { text: p.title }),
          el("span", { className: "cs-muted", text: " (" + (p.comment_count === 1 ? t("count1") : t("countN", { n: p.comment_count })) + ")" })]);
      })) : el("p", { className: "cs-muted", text: t("noPosts") }));
    });
  }

  var CSS = ".cs-root{--cs-fg:#1f2328;--cs-muted:#656d76;--cs-bg:#fff;--cs-soft:#f6f8fa;--cs-line:#d0d7de;--cs-accent:#0969da;--cs-err:#cf222e;--cs-ok:#1a7f37;" +
    "color:var(--cs-fg);font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;text-align:left}" +
    "@media (prefers-color-scheme:dark){.cs-root{--cs-fg:#e6edf3;--cs-muted:#9198a1;--cs-bg:#0d1117;--cs-soft:#161b22;--cs-line:#3d444d;--cs-accent:#4493f8;--cs-err:#f85149;--cs-ok:#3fb950}}" +
    ".cs-root *{box-sizing:border-box}.cs-root ul{list-style:none;margin:0;padding:0}.cs-root a{color:var(--cs-accent)}" +
    ".cs-head{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap}.cs-title{margin:0 0 8px;font-size:1.2em}" +
    ".cs-root select,.cs-root input,.cs-root textarea{font:inherit;color:var(--cs-fg);background:var(--cs-bg);border:1px solid var(--cs-line);border-radius:6px;padding:6px 8px;width:100%}" +
    ".cs-root select{width:auto}.cs-form{background:var(--cs-soft);border:1px solid var(--cs-line);border-radius:8px;padding:12px;margin:8px 0 16px}" +
    ".cs-form-title{margin:0 0 8px;font-size:1em}.cs-row{display:flex;gap:8px;flex-wrap:wrap;align-items:center}.cs-row>.cs-field{flex:1 1 180px}" +
    ".cs-field{margin-bottom:8px}.cs-field label{display:block;font-size:.85em;color:var(--cs-muted);margin-bottom:2px}" +
    ".cs-field-error,.cs-error{color:var(--cs-err)}.cs-field-error{font-size:.85em}.cs-ok{color:var(--cs-ok)}[aria-invalid=true]{border-color:var(--cs-err)!important}" +
    ".cs-hint{font-size:.8em;color:var(--cs-muted);margin:0 0 8px}.cs-check{display:flex;align-items:center;flex-wrap:wrap;gap:4px 8px;margin:0 0 8px}" +
    ".cs-root .cs-check-input{width:auto;margin:0}.cs-check label{font-size:.9em}.cs-check-input:disabled+label{color:var(--cs-muted)}.cs-check .cs-hint{margin:0;flex-basis:100%}" +
    ".cs-hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}" +
    ".cs-button,.cs-like-button{font:inherit;cursor:pointer;border:1px solid var(--cs-line);border-radius:6px;padding:6px 14px;background:var(--cs-accent);color:#fff}" +
    ".cs-button:disabled{opacity:.6}.cs-link{font:inherit;font-size:.85em;background:none;border:0;padding:2px 4px;color:var(--cs-accent);cursor:pointer}" +
    ".cs-root button:focus-visible,.cs-root a:focus-visible{outline:2px solid var(--cs-accent);outline-offset:2px}" +
    ".cs-comment{padding:10px 0;border-top:1px solid var(--cs-line)}.cs-replies .cs-comment{border-top:0;border-left:2px solid var(--cs-line);padding-left:12px;margin-left:4px}" +
    ".cs-replies{margin-left:16px!important}.cs-meta{display:flex;align-items:center;gap:6px;font-size:.9em;flex-wrap:wrap}.cs-avatar{width:24px;height:24px;border-radius:4px;background:var(--cs-soft)}" +
    ".cs-author{font-weight:600}.cs-root time,.cs-muted{color:var(--cs-muted);font-size:.9em}.cs-body{overflow-wrap:anywhere}.cs-body p{margin:4px 0}" +
    ".cs-body pre{background:var(--cs-soft);padding:8px;overflow:auto}.cs-badge{background:#fff8c5;color:#6f4e00;border-radius:10px;padding:0 8px;font-size:.8em}" +
    ".cs-clike[aria-pressed=true],.cs-like-button[aria-pressed=true] .cs-heart{color:#e0245e}.cs-like-button{background:var(--cs-soft);color:var(--cs-fg)}" +
    ".cs-like-button[aria-pressed=true]{border-color:#e0245e}.cs-heart{font-size:1.2em}.cs-more{margin-top:8px}.cs-notice{margin:4px 0}" +
    ".cs-plain li{padding:6px 0;border-bottom:1px solid var(--cs-line)}.cs-excerpt{font-size:.9em}.cs-cloud{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}" +
    ".cs-loading{color:var(--cs-muted)}.cs-loading:before{content:'';display:inline-block;width:.8em;height:.8em;margin-right:6px;border:2px solid var(--cs-line);border-top-color:var(--cs-accent);border-radius:50%;animation:cs-spin 1s linear infinite}" +
    "@keyframes cs-spin{to{transform:rotate(360deg)}}";

  /* ---- live updates: one EventSource per page (server-sent events) ----
   * New comments wait behind a "2 new comments - show" notice (no text moves under the reader); replies go under
   * their parent after "show"; edits and removals apply in place; counts update the title and the like button;
   * the recent-comments sidebar takes new comments at its top. The stream closes while the tab is hidden and
   * reopens from the last event id; errors reconnect with backoff; without EventSource nothing changes. */
  var LIVE_STRINGS = { liveNew1: "1 new comment - show", liveNewN: "{n} new comments - show" };
  for (var lk in LIVE_STRINGS) if (!(lk in S)) S[lk] = LIVE_STRINGS[lk];
  var live = { threads: [], source: null, last: null, wait: 1000, timer: null, url: null };
  function liveThread(thread) { live.threads.push(thread); }
  function liveThreadsOf(slug) { return live.threads.filter(function (th) { return th.slug === slug && th.list; }); }
  function liveShown(thread, id) { return thread.root.querySelector('.cs-comment[data-id="' + id + '"]'); }
  function liveNotice(thread) {
    if (!thread.liveNotice) {
      thread.livePending = [];
      thread.liveNotice = el("button", { type: "button", className: "cs-button cs-live-notice", hidden: true,
        onclick: function () { liveShowPending(thread); } });
      thread.list.parentNode.insertBefore(el("div", { className: "cs-live", "aria-live": "polite" }, [thread.liveNotice]), thread.list);
    }
    var n = thread.livePending.length;
    thread.liveNotice.hidden = n === 0;
    thread.liveNotice.textContent = n === 1 ? t("liveNew1") : t("liveNewN", { n: n });
  }
  function liveShowPending(thread) {
    var waiting = thread.livePending; thread.livePending = [];
    waiting.forEach(function (c) { if (!liveShown(thread, c.id)) thread.place(c); });
    liveNotice(thread);
  }
  function liveComment(c, slug) {
    liveThreadsOf(slug).forEach(function (thread) {
      if (liveShown(thread, c.id)) { liveUpdated(c, slug); return; } /* the reader's own, shown while it waited */
      if (thread.livePending && thread.livePending.some(function (p) { return p.id === c.id; })) return;
      if (!thread.liveNotice) liveNotice(thread);
      thread.livePending.push(c);
      liveNotice(thread);
    });
  }
  function liveUpdated(c, slug) {
    liveThreadsOf(slug).forEach(function (thread) {
      var old = liveShown(thread, c.id);
      if (!old) return;
      var fresh = thread.item(c), replies = old.querySelector(".cs-replies"), into = fresh.querySelector(".cs-replies");
      while (replies && replies.firstChild) into.appendChild(replies.firstChild);
      old.parentNode.replaceChild(fresh, old);
    });
  }
  function liveRemoved(id, slug) {
    liveThreadsOf(slug).forEach(function (thread) {
      if (thread.livePending) { thread.livePending = thread.livePending.filter(function (c) { return c.id !== id; }); liveNotice(thread); }
      var old = liveShown(thread, id);
      if (!old) return;
      var replies = old.querySelector(".cs-replies");
      if (replies && replies.children.length) liveUpdated({ id: id, deleted: true, replies: [] }, slug);
      else old.parentNode.removeChild(old);
    });
  }
  function liveCounts(counts, slug) {
    liveThreadsOf(slug).forEach(function (thread) { thread.setCount(counts.comment_count); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-widget="like"]'), function (node) {
      var count = node.getAttribute("data-post") === slug && node.querySelector(".cs-like-count");
      if (count) count.textContent = counts.like_count === 1 ? t("like1") : t("likeN", { n: counts.like_count });
    });
  }
  function liveRecent(c, removed) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-widget="recent-comments"]'), function (root) {
      var list = root.querySelector("ul.cs-plain"), old = list && list.querySelector('li[data-id="' + c.id + '"]');
      if (old) old.parentNode.removeChild(old);
      if (removed) return;
      if (!list) { list = el("ul", { className: "cs-plain" }); clear(root).appendChild(list); }
      var link = safeUrl(c.post.url);
      list.insertBefore(el("li", { "data-id": c.id }, [el("span", { className: "cs-author", text: c.author }), " " + t("on") + " ",
        link ? el("a", { href: link, text: c.post.title }) : el("span", { text: c.post.title }),
        el("div", { className: "cs-excerpt", text: c.excerpt }), timeEl(c.created_at)]), list.firstChild);
      var limit = parseInt(root.getAttribute("data-limit") || "5", 10);
      while (list.children.length > limit) list.removeChild(list.lastChild);
    });
  }
  function liveHandlers(slug) {
    function on(fn) { return function (e) { live.last = e.lastEventId || live.last; var d; try { d = JSON.parse(e.data); } catch (x) { return; } fn(d); }; }
    var site = slug ? "site-" : "";
    var h = {};
    h[site + "comment"] = on(function (c) { liveRecent(c, false); });
    h[site + "comment-updated"] = on(function (c) { liveRecent(c, false); });
    h[site + "comment-removed"] = on(function (d) { liveRecent(d, true); });
    if (slug) {
      h.comment = on(function (c) { liveComment(c, slug); });
      h["comment-updated"] = on(function (c) { liveUpdated(c, slug); });
      h["comment-removed"] = on(function (d) { liveRemoved(d.id, slug); });
      h.counts = on(function (d) { liveCounts(d, slug); });
    }
    h.reset = on(function () { liveThreadsOf(slug).forEach(function (thread) { thread.reload(); }); });
    return h;
  }
  function liveOpen() {
    if (live.source || !live.url || document.hidden) return;
    var url = live.url + (live.last ? (live.url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(live.last) : "");
    var source;
    try { source = new EventSource(url); } catch (e) { return; }
    live.source = source;
    var handlers = liveHandlers(live.slug);
    Object.keys(handlers).forEach(function (name) { source.addEventListener(name, handlers[name]); });
    source.onopen = function () { live.wait = 1000; document.documentElement.setAttribute("data-cs-live", "open"); };
    source.onmessage = function (e) { if (e.lastEventId) live.last = e.lastEventId; };
    source.onerror = function () {
      if (source.readyState !== 2) return; /* the browser reconnects by itself, with Last-Event-ID */
      liveClose();
      live.timer = setTimeout(liveOpen, live.wait);
      live.wait = Math.min(live.wait * 2, 60000);
    };
  }
  function liveClose() {
    document.documentElement.setAttribute("data-cs-live", "closed");
    if (live.timer) { clearTimeout(live.timer); live.timer = null; }
    if (live.source) { if (live.source.lastEventId) live.last = live.source.lastEventId; live.source.close(); live.source = null; }
  }
  function liveStart() {
    if (!window.EventSource || live.url) return;
    var post = document.querySelector('[data-widget="comments"][data-post], [data-widget="like"][data-post]');
    var sidebar = document.querySelector('[data-widget="recent-comments"]');
    live.slug = post ? post.getAttribute("data-post") : null;
    if (live.slug) live.url = API + "/api/posts/" + encodeURIComponent(live.slug) + "/events" + (sidebar ? "?site=1" : "");
    else if (sidebar) live.url = API + "/api/events";
    if (!live.url) return;
    document.addEventListener("visibilitychange", function () { if (document.hidden) liveClose(); else liveOpen(); });
    liveOpen();
  }
  CSS += ".cs-live{margin:4px 0}.cs-live-notice{display:block;width:100%;margin:4px 0}.cs-live-notice[hidden]{display:none}";

  var WIDGETS = { comments: function (n) { new Thread(n); }, like: Like, "recent-comments": RecentComments,
    "popular-tags": PopularTags, "recent-posts": RecentPosts };
  function init() {
    if (!document.getElementById("cs-style")) document.head.appendChild(el("style", { id: "cs-style", text: CSS }));
    Array.prototype.forEach.call(document.querySelectorAll("[data-widget]"), function (node) {
      var make = WIDGETS[node.getAttribute("data-widget")];
      if (!make || node.getAttribute("data-cs-ready")) return;
      node.setAttribute("data-cs-ready", "1");
      node.classList.add("cs-root");
      make(node);
    });
    liveStart();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  window.CommentWidgets = { init: init, strings: S, safeUrl: safeUrl };
})();
