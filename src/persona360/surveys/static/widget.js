/*
 * persona360 survey widget: renders a survey into a shop's page and posts the answers.
 *
 * Self-contained (no CDN, no framework), served by persona360 at /v1/surveys/widget.js.
 * Embed it where the survey should appear:
 *
 *   <div id="p360-survey"></div>
 *   <script src="https://CDP/v1/surveys/widget.js" data-survey="post-delivery"
 *           data-write-key="WRITE_KEY" data-user-id="u1" data-target="#p360-survey"
 *           data-min-views="2"></script>
 *
 * Who answers: data-user-id, data-anonymous-id or data-email (else an anonymous id kept
 * in localStorage). data-min-views shows the survey only from the Nth page view that
 * loads it (e.g. a second product view); once answered it is not shown again.
 * The answers go to POST /v1/surveys/{id}/responses with the write key in the body,
 * across origins (the server answers CORS).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var data = script.dataset;
  var base = new URL(script.src, location.href).origin;
  var surveyId = data.survey;
  var storeKey = "p360-survey-" + surveyId;

  function remember(name, value) {
    try { if (value === undefined) { return localStorage.getItem(storeKey + name); }
          localStorage.setItem(storeKey + name, value); } catch (e) { return null; }
    return value;
  }

  function shouldShow() {
    if (remember(":answered") === "1" && data.repeat !== "true") { return false; }
    var views = parseInt(remember(":views") || "0", 10) + 1;
    remember(":views", String(views));
    return views >= parseInt(data.minViews || "1", 10);
  }

  function respondent() {
    if (data.userId) { return { userId: data.userId }; }
    if (data.email) { return { email: data.email }; }
    var anonymous = data.anonymousId || remember(":anonymous-id");
    if (!anonymous) {
      anonymous = "w-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
      remember(":anonymous-id", anonymous);
    }
    return { anonymousId: anonymous };
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function option(question, type, value, label) {
    var id = "p360-" + question.id + "-" + value;
    var wrap = element("label", { "for": id, "class": "p360-option" });
    wrap.appendChild(element("input", { type: type, id: id, name: question.id, value: value }));
    wrap.appendChild(document.createTextNode(" " + label));
    return wrap;
  }

  function field(question) {
    var set = element("fieldset", { "class": "p360-question", "data-kind": question.kind });
    set.appendChild(element("legend", {}, question.text));
    if (question.kind === "free_text") {
      set.appendChild(element("textarea", { name: question.id, maxlength: String(question.max_length), rows: "3",
                                             "aria-label": question.text }));
    } else if (question.kind === "single_choice" || question.kind === "multiple_choice") {
      var type = question.kind === "single_choice" ? "radio" : "checkbox";
      question.choices.forEach(function (choice) { set.appendChild(option(question, type, choice, choice)); });
    } else {
      for (var n = question.min; n <= question.max; n++) {
        set.appendChild(option(question, "radio", String(n), String(n)));
      }
    }
    return set;
  }

  function collect(form, survey) {
    var answers = {};
    survey.questions.forEach(function (question) {
      var inputs = form.querySelectorAll("[name='" + question.id + "']");
      var values = [];
      inputs.forEach(function (input) {
        if (input.tagName === "TEXTAREA") { if (input.value.trim()) { values.push(input.value); } }
        else if (input.checked) { values.push(input.value); }
      });
      if (!values.length) { return; }
      if (question.kind === "multiple_choice") { answers[question.id] = values; }
      else if (question.kind === "scale" || question.kind === "nps") { answers[question.id] = parseInt(values[0], 10); }
      else { answers[question.id] = values[0]; }
    });
    return answers;
  }

  function submit(form, survey, status) {
    var body = Object.assign({ writeKey: data.writeKey, answers: collect(form, survey) }, respondent());
    status.textContent = "Sending…";
    fetch(base + "/v1/surveys/" + encodeURIComponent(surveyId) + "/responses", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      if (result.ok) {
        remember(":answered", "1");
        form.replaceChildren(element("p", { "class": "p360-thanks", role: "status" }, data.thanks || "Thank you!"));
      } else {
        status.textContent = result.answer.message || "The answer could not be saved.";
      }
    }).catch(function () { status.textContent = "The answer could not be sent; please try again."; });
  }

  function render(survey) {
    var target = document.querySelector(data.target || "#p360-survey");
    if (!target) { target = element("div", { id: "p360-survey" }); script.after(target); }
    var form = element("form", { "class": "p360-survey", "aria-label": survey.name });
    form.appendChild(element("h2", {}, survey.name));
    if (survey.description) { form.appendChild(element("p", {}, survey.description)); }
    survey.questions.forEach(function (question) { form.appendChild(field(question)); });
    var status = element("p", { "class": "p360-status", role: "alert" });
    form.appendChild(element("button", { type: "submit" }, data.submit || "Send"));
    form.appendChild(status);
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(form, survey, status); });
    target.replaceChildren(form);
  }

  if (!surveyId || !data.writeKey || !shouldShow()) { return; }
  fetch(base + "/v1/surveys/" + encodeURIComponent(surveyId) + "/definition")
    .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
    .then(render)
    .catch(function (error) { if (window.console) { console.warn("persona360 survey " + surveyId + ": " + error); } });
})();
