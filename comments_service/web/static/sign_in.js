/* The last page of a reader's sign-in: hand the session to the blog page that asked, and only to its origin.
 * Opened as a popup (OpenID Connect, or a mailed link opened from the widget): postMessage to the opener,
 * with the blog origin as the target (the browser delivers nothing if the opener is now on another origin).
 * Opened on its own (a mailed link from a mail client): go back to the blog page with the token in the
 * fragment, which never reaches a server; the widget reads it and removes it from the address. */
(function () {
  "use strict";
  var node = document.getElementById("cs-handoff");
  if (!node) return;
  var data = JSON.parse(node.textContent);
  var message = { type: "cs-session", session: data.session, reader: data.reader };
  if (window.opener && !window.opener.closed) {
    window.opener.postMessage(message, data.origin);
    document.getElementById("cs-handoff-hint").textContent = "You can close this window.";
    setTimeout(function () { window.close(); }, 300);
  } else if (data.back) {
    location.replace(data.back + "#cs-session=" + encodeURIComponent(data.session));
  }
})();
