/* careercenter: small enhancements; every page works without them (CSP: script-src 'self'). */
(function () {
  "use strict";

  // The error summary receives focus after a failed submit (autofocus does it in most browsers).
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  // A link in the error summary moves focus to its field (and scrolls its label into view).
  function wireSummaryLinks() {
    var links = document.querySelectorAll("[data-error-summary] a[href^='#']");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) { return; }
        event.preventDefault();
        var label = document.querySelector("label[for='" + field.id + "']");
        var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
        (legend || label || field).scrollIntoView();
        field.focus({ preventScroll: true });
      });
    });
  }

  // Destructive actions ask first. Without JavaScript the server shows a confirmation page;
  // with it a dialog asks, and the form is sent with confirmed=yes.
  function wireConfirmations() {
    var buttons = document.querySelectorAll("button[data-confirm]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function (event) {
        var form = button.form;
        var needed = button.getAttribute("data-confirm-requires");
        if (needed) {
          var input = form.querySelector("[name='" + needed + "']");
          if (input && !input.value.trim()) { return; }  // the server says what is missing
        }
        event.preventDefault();
        ask(button, form);
      });
    });
  }

  function ask(button, form) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    var title = document.createElement("h2");
    title.id = "confirm-dialog-title";
    title.textContent = button.getAttribute("data-confirm-title") || "Are you sure?";
    var text = document.createElement("p");
    text.textContent = button.getAttribute("data-confirm");
    var actions = document.createElement("p");
    actions.className = "actions";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "danger";
    yes.textContent = button.getAttribute("data-confirm-yes") || button.textContent;
    var no = document.createElement("button");
    no.type = "button";
    no.className = "secondary";
    no.textContent = "Cancel";
    actions.appendChild(yes);
    actions.appendChild(no);
    dialog.appendChild(title);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    function close() { dialog.close(); dialog.remove(); button.focus(); }
    no.addEventListener("click", close);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
    yes.addEventListener("click", function () {
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "yes";
      form.appendChild(confirmed);
      if (button.name) {
        var action = document.createElement("input");
        action.type = "hidden";
        action.name = button.name;
        action.value = button.value;
        form.appendChild(action);
      }
      dialog.close();
      form.submit();
    });
    dialog.showModal();
    no.focus();
  }

  // Bulk approve: one box selects every eligible request on the page.
  function wireSelectAll() {
    var all = document.querySelectorAll("input[data-select-all]");
    Array.prototype.forEach.call(all, function (box) {
      var wrapper = box.closest("[data-select-all-box]");
      if (wrapper) { wrapper.hidden = false; }
      var boxes = document.querySelectorAll("input[name='" + box.getAttribute("data-select-all") + "']");
      box.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (b) { b.checked = box.checked; });
      });
    });
  }

  // "Reason for fewer credits" only when fewer credits are chosen.
  function wireFewerCredits() {
    var credits = document.querySelector("input[data-full-credits]");
    var reason = document.querySelector("[data-shown-when-fewer]");
    if (!credits || !reason) { return; }
    function update() {
      var full = parseFloat(credits.getAttribute("data-full-credits"));
      var value = parseFloat(credits.value);
      var hasError = reason.classList.contains("has-error");
      reason.hidden = !hasError && !(value < full);
    }
    credits.addEventListener("input", update);
    update();
  }

  // The header's menu folds under its "Menu" button on a narrow screen and stays open on a wide one.
  function wireMenu() {
    var menus = document.querySelectorAll("details[data-fold-narrow]");
    if (!menus.length || !window.matchMedia) { return; }
    var narrow = window.matchMedia("(max-width: 40em)");
    function sync() {
      Array.prototype.forEach.call(menus, function (menu) { menu.open = !narrow.matches; });
    }
    sync();
    if (narrow.addEventListener) { narrow.addEventListener("change", sync); }
  }

  // "Preparing your transcript…": ask the server for the request's state (every 2 s, slowing to
  // every 10 s), then show the result in place and say it in the live region. Without JavaScript
  // the page reloads itself (a meta refresh inside <noscript>).
  function wirePolling() {
    var box = document.querySelector("[data-poll-url]");
    if (!box || !window.fetch) { return; }
    var url = box.getAttribute("data-poll-url");
    var delay = 2000;
    function again() {
      window.setTimeout(check, delay);
      delay = Math.min(10000, Math.round(delay * 1.25));
    }
    function check() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
          if (response.ok && json && !response.redirected) { return response.json().then(update); }
          if (response.redirected || (response.status >= 400 && response.status < 500 && response.status !== 429)) {
            window.location.reload();  // signed out, or no longer ours: the page itself says what to do
            return undefined;
          }
          again();  // the server is busy or restarting: ask later
          return undefined;
        })
        .catch(again);
    }
    function update(status) {
      if (status.state === "ready" || status.state === "failed") {
        show(status);
      } else {
        again();
      }
    }
    function show(status) {
      var template = box.querySelector("template[data-poll-when='" + status.state + "']");
      var heading = box.querySelector("[data-poll-heading]");
      var live = box.querySelector("[data-poll-live]");
      var actions = box.querySelector("[data-poll-actions]");
      if (!template || !heading || !live || !actions) { window.location.reload(); return; }
      var parts = Array.prototype.slice.call(template.content.cloneNode(true).children);
      var links = parts[2].querySelectorAll("a[data-poll-href]");
      Array.prototype.forEach.call(links, function (link) {
        var href = status[link.getAttribute("data-poll-href")];
        if (href) { link.setAttribute("href", href); }
      });
      var hadFocus = actions.contains(document.activeElement);
      heading.textContent = parts[0].textContent;
      live.textContent = parts[1].textContent;
      parts[2].setAttribute("data-poll-actions", "");
      actions.replaceWith(parts[2]);
      var dot = document.title.indexOf(" · ");
      document.title = template.getAttribute("data-poll-title") + (dot >= 0 ? document.title.slice(dot) : "");
      if (hadFocus) { heading.focus(); }
    }
    again();
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireMenu();
    focusErrorSummary();
    wireSummaryLinks();
    wireConfirmations();
    wireSelectAll();
    wireFewerCredits();
    wirePolling();
  });
}());
