// The site's one way of asking before an action: a submit button with data-confirm-dialog asks its
// question in the page's <dialog> (templates/_confirm_dialog.html) before its form is sent; never the
// browser's window.confirm. The dialog's heading and Confirm button name the action (data-confirm-label,
// else the button's own text); Go back or Escape sends nothing and hands the focus back to the button.
// A form with a hidden data-confirm-field says "confirmed" in it, so without JavaScript (or <dialog>)
// the form goes without it and the server asks on a page of its own.
(function () {
  "use strict";

  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var title = dialog.querySelector("[data-dialog-title]");
  var message = dialog.querySelector("[data-dialog-message]");
  var ok = dialog.querySelector("[data-dialog-ok]");
  var cancel = dialog.querySelector("[data-dialog-cancel]");
  var pending = null;

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var form = event.target;
    if (!button || !button.dataset.confirmDialog) {
      return;
    }
    var field = form.querySelector("[data-confirm-field]");
    if (form.dataset.confirmed === "1" || (field && field.value === "1")) {
      delete form.dataset.confirmed;
      return;
    }
    event.preventDefault();
    pending = { form: form, button: button, field: field };
    var label = button.dataset.confirmLabel || button.textContent.trim();
    title.textContent = label;
    message.textContent = button.dataset.confirmDialog;
    ok.textContent = label;
    ok.className = button.classList.contains("danger") ? "danger" : "primary";
    dialog.showModal();
    cancel.focus();
  });

  ok.addEventListener("click", function () {
    var answered = pending;
    pending = null;
    dialog.close();
    if (!answered) {
      return;
    }
    answered.form.dataset.confirmed = "1";
    if (answered.field) {
      answered.field.value = "1";
    }
    if (typeof answered.form.requestSubmit === "function") {
      answered.form.requestSubmit(answered.button);
    } else {
      answered.form.submit();
    }
  });

  cancel.addEventListener("click", function () {
    dialog.close();
  });

  // Closed with Go back or Escape: nothing is sent, and the focus returns to the button that asked.
  dialog.addEventListener("close", function () {
    if (pending) {
      pending.button.focus();
      pending = null;
    }
  });

  // Back from the next page, the form must ask again rather than go through on a stale "yes".
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-confirm-field]"), function (field) {
      field.value = "";
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirmed]"), function (form) {
      delete form.dataset.confirmed;
    });
  });
})();
