/* The wording page's live preview: after each pause in typing, the form is posted to the
   preview address (nothing is saved) and the email, SMS, survey page and follow-up frames are
   redrawn. Without JavaScript the preview shows the saved wording. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  if (!form || !window.fetch) return;
  var panel = document.querySelector(".preview");
  var state = document.getElementById("preview-state");
  var timer = null;
  var sequence = 0;

  function byId(id) { return document.getElementById(id); }

  function clearErrors() {
    form.querySelectorAll(".live-error").forEach(function (node) { node.remove(); });
  }

  function showErrors(errors) {
    clearErrors();
    Object.keys(errors).forEach(function (name) {
      var input = form.elements[name];
      if (!input || !input.parentNode) return;
      var note = document.createElement("p");
      note.className = "field-error live-error";
      note.textContent = [].concat(errors[name]).join(" ");
      input.parentNode.insertBefore(note, input);
    });
  }

  function draw(data) {
    byId("preview-sms").textContent = data.sms.text;
    byId("preview-sms-count").textContent = data.sms.segments + " segment(s): " +
      data.sms.characters + " characters, " + data.sms.encoding;
    byId("preview-sms-dropped").hidden = !data.sms.context_dropped;
    byId("preview-subject").textContent = data.email.subject;
    byId("preview-email").srcdoc = data.email.html;
    byId("preview-page").srcdoc = data.survey_page_html;
    var more = byId("preview-more");
    more.hidden = !data.follow_up.html;
    byId("preview-no-more").hidden = !!data.follow_up.html;
    if (data.follow_up.html) more.srcdoc = data.follow_up.html;
  }

  function refresh() {
    var mine = ++sequence;
    panel.classList.add("stale");
    state.textContent = "…";
    fetch(form.dataset.preview, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (data) { return [response.ok, data]; });
    }).then(function (result) {
      if (mine !== sequence) return;  // a newer request is on its way
      panel.classList.remove("stale");
      state.textContent = "";
      if (!result[0]) { showErrors(result[1].errors || {}); return; }
      clearErrors();
      draw(result[1]);
    }).catch(function () {
      if (mine === sequence) { panel.classList.remove("stale"); state.textContent = ""; }
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }

  form.addEventListener("input", later);
  var category = byId("preview-category");
  if (category) category.addEventListener("change", refresh);
})();

/* The rule form shows what applies to the channel chosen (the server checks it all the
   same): the fallback for email and SMS, the widget's rules for the widget. The question
   builder shows the options for choice questions only. */
(function () {
  "use strict";
  function follow(select, update) {
    if (!select) return;
    update(select.value);
    select.addEventListener("change", function () { update(select.value); });
  }
  var fieldOf = function (id) {
    var input = document.getElementById(id);
    return input ? input.closest(".field") : null;
  };
  follow(document.getElementById("id_channel"), function (channel) {
    var widget = document.querySelector(".widget-only");
    if (widget) widget.hidden = channel !== "widget";
    var fallback = fieldOf("id_fallback_channel");
    if (fallback) fallback.hidden = channel !== "email" && channel !== "sms";
  });
  follow(document.getElementById("q-type"), function (type) {
    var options = document.getElementById("q-options");
    if (options) options.hidden = type !== "single_choice" && type !== "multiple_choice";
  });
})();
