// A report's filters fold behind their "Filters" button on a phone and start open on a wider screen
// (templates/reports/_filter_form.html). Without JavaScript they stay open everywhere.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 760px)");
  var folds = document.querySelectorAll("details[data-filters-fold]");
  var fit = function () {
    folds.forEach(function (fold) {
      // A filter the desk refused stays in view, next to its message.
      var refused = fold.querySelector(".field-error, .form-error");
      fold.open = !narrow.matches || Boolean(refused);
    });
  };
  fit();
  // Turning a tablet or widening the window opens them again, where the button is not shown.
  narrow.addEventListener("change", fit);
})();
