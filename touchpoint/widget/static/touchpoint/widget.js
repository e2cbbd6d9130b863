/* Touchpoint website widget. Dependency-free; no cookies, no eval, no inline styles or
 * scripts (its stylesheet is a file served beside it, inside a shadow root).
 *
 *   <script src="https://touchpoint.example.com/static/touchpoint/widget.js"
 *           data-key="tpp_..." async></script>
 *   optional: data-touchpoint="landing-page" data-lang="fr" data-email="..." data-external-id="..."
 *   or, once loaded: TouchpointWidget.identify({email, external_id, name, locale, attributes})
 *
 * It remembers, in localStorage only, how many pages the visitor has seen and when it last
 * asked. It asks on the touchpoint's rules (seconds on the page, page views, URL patterns),
 * never over an open dialog (it waits for it to close), and, for an identified visitor, only
 * when the server says the quarantine and consent allow it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.TouchpointWidget) return;
  var data = script.dataset;
  var key = data.key;
  if (!key) return;
  var base = new URL(script.src, location.href).origin;
  var api = base + "/w/v1/" + encodeURIComponent(key) + "/";
  var storeKey = "touchpoint:" + key;
  var DAY = 86400000;
  var contact = null;
  if (data.email || data.externalId) {
    contact = {};
    if (data.email) contact.email = data.email;
    if (data.externalId) contact.external_id = data.externalId;
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  function save(state) {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }
  var state = load();
  state.views = (state.views || 0) + 1;
  save(state);

  function matches(patterns) {
    if (!patterns || !patterns.length) return true;
    var path = location.pathname;
    return patterns.some(function (pattern) {
      var source = "^" + pattern.split("*").map(function (part) {
        return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
      }).join(".*") + "$";
      return new RegExp(source).test(path);
    });
  }
  function dialogOpen() {
    return !!document.querySelector("dialog[open], [aria-modal='true']");
  }
  function request(path, body) {
    var init = body === undefined ? {} : {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body), keepalive: true
    };
    init.credentials = "omit";
    return fetch(api + path, init).then(function (r) {
      return r.json().then(function (json) { if (!r.ok) throw json; return json; });
    });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  var config = null;
  var started = false;
  var params = "config?touchpoint=" + encodeURIComponent(data.touchpoint || "") +
    "&lang=" + encodeURIComponent(data.lang || navigator.language || "");

  function start() {
    if (started) return;
    started = true;
    request(params).then(function (c) {
      config = c;
      if (!c.active || !matches(c.rules.url_patterns)) return;
      if (state.views < c.rules.min_page_views) return;
      if (state.asked && Date.now() - state.asked < c.quarantine_days * DAY) return;
      setTimeout(whenNoDialog, c.rules.delay_seconds * 1000);
    }).catch(function () { /* unknown key, origin or touchpoint: stay quiet */ });
  }
  function whenNoDialog() {
    if (dialogOpen()) { setTimeout(whenNoDialog, 500); return; }
    request("impressions", {touchpoint: config.touchpoint, contact: contact, url: location.href})
      .then(function (decision) {
        if (!decision.ask) return;
        state = load();
        state.asked = Date.now();
        save(state);
        // A dialog may have opened while we asked the server: wait for it again.
        (function show() { if (dialogOpen()) setTimeout(show, 500); else render(decision.token); })();
      }).catch(function () {});
  }

  function render(token) {
    var t = config.texts;
    var host = el("div", {"data-touchpoint-widget": ""});
    var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;
    var sheet = el("link", {rel: "stylesheet", href: base + "/static/touchpoint/widget.css"});
    var panel = el("section", {
      role: "dialog", "aria-modal": "false", "aria-labelledby": "tp-l tp-q", tabindex: "-1",
      class: "panel", lang: config.lang, dir: config.dir
    });
    var close = el("button", {type: "button", class: "close", "aria-label": t.close}, "\u00d7");
    var label = el("p", {id: "tp-l", class: "label"}, t.widget_label);
    var body = el("div", {class: "body"});
    panel.append(close, label, body);
    root.append(sheet, panel);
    var before = document.activeElement;
    var score = null;
    var sent = false;
    // This answer's own id: a retried request (or a second send) is then the same answer.
    var answerId = window.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2);

    function finish() {
      host.remove();
      document.removeEventListener("keydown", onKey, true);
      if (before && before.focus && document.contains(before)) before.focus();
    }
    function send(comment) {
      sent = true;
      return request("responses", {
        touchpoint: config.touchpoint, token: token || "", score: score, id: answerId,
        comment: comment || "", lang: config.lang, url: location.href
      });
    }
    function dismiss() {
      if (score !== null && !sent) send("").catch(function () {});
      finish();
    }
    function onKey(event) {
      if (event.key === "Escape" && (root.activeElement || panel.contains(event.target))) {
        event.stopPropagation();
        dismiss();
      }
    }
    close.addEventListener("click", dismiss);
    document.addEventListener("keydown", onKey, true);

    var question = el("h2", {id: "tp-q", class: "question"}, t.question);
    var scale = el("div", {role: "group", "aria-labelledby": "tp-q", class: "scale"});
    for (var n = 0; n <= 10; n++) {
      var b = el("button", {
        type: "button", class: "score", "aria-pressed": "false",
        "aria-label": t.out_of_ten.replace("{score}", n)
      }, String(n));
      b.addEventListener("click", choose.bind(null, n));
      scale.append(b);
    }
    var ends = el("p", {class: "ends", "aria-hidden": "true"});
    ends.append(el("span", {}, "0 = " + t.low), el("span", {}, "10 = " + t.high));
    body.append(question, scale, ends);

    function choose(value) {
      score = value;
      body.textContent = "";
      var form = el("form", {class: "more"});
      var textLabel = el("label", {for: "tp-comment", class: "comment-label"}, t.widget_comment);
      var text = el("textarea", {id: "tp-comment", rows: "3", maxlength: "10000"});
      var error = el("p", {class: "error", role: "alert"});
      var actions = el("div", {class: "actions"});
      var submit = el("button", {type: "submit", class: "primary"}, t.send);
      var skip = el("button", {type: "button", class: "secondary"}, t.widget_skip);
      actions.append(submit, skip);
      form.append(textLabel, text, error, actions);
      body.append(form);
      text.focus();
      function deliver(comment) {
        submit.disabled = skip.disabled = true;
        send(comment).then(thanks).catch(function () {
          sent = false;
          submit.disabled = skip.disabled = false;
          error.textContent = t.widget_error;
        });
      }
      form.addEventListener("submit", function (event) { event.preventDefault(); deliver(text.value); });
      skip.addEventListener("click", function () { deliver(""); });
    }
    function thanks() {
      body.textContent = "";
      var done = el("p", {class: "thanks", role: "status", tabindex: "-1"}, t.thanks);
      body.append(done);
      done.focus();
      setTimeout(finish, 5000);
    }
    function reveal() {
      panel.hidden = false;
      panel.focus();
    }
    // In the page but hidden until the stylesheet is in: never seen unstyled.
    panel.hidden = true;
    sheet.addEventListener("load", reveal);
    sheet.addEventListener("error", reveal);
    document.body.append(host);
    if (root === host) reveal();
  }

  window.TouchpointWidget = {
    identify: function (who) { contact = who; },
    start: start
  };
  if (data.manual === undefined) {
    // Give the page a moment to call identify() after this script runs.
    setTimeout(start, 0);
  }
})();
