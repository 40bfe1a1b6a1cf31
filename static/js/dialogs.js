// Buttons with data-opens-dialog open that <dialog> instead of doing what they do without JavaScript
// (a GET to a confirmation section); buttons with data-closes-dialog close the dialog they are in.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-opens-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.opensDialog);
      if (!dialog || typeof dialog.showModal !== "function") return;
      event.preventDefault();
      dialog.returnFocusTo = opener;
      dialog.showModal();
      return;
    }
    var closer = event.target.closest("[data-closes-dialog]");
    if (closer && closer.closest("dialog")) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
  });

  // Closed with its button or Escape, the dialog hands the focus back to the button that opened it.
  document.addEventListener(
    "close",
    function (event) {
      var dialog = event.target;
      if (dialog.returnFocusTo && document.contains(dialog.returnFocusTo)) dialog.returnFocusTo.focus();
    },
    true
  );
})();
