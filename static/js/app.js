// The little JavaScript the pages need; no inline scripts, so a strict Content Security Policy holds.
(function () {
  "use strict";

  // The Menu button folds the navigation away on narrow screens (the CSS reads aria-expanded).
  var menuButton = document.querySelector(".menu-button[aria-controls]");
  if (menuButton) {
    var menu = document.getElementById(menuButton.getAttribute("aria-controls"));
    var setOpen = function (open) {
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    };
    menuButton.addEventListener("click", function () {
      setOpen(menuButton.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and hands the focus back to its button.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || menuButton.getAttribute("aria-expanded") !== "true") return;
      setOpen(false);
      if (menu && menu.contains(document.activeElement)) menuButton.focus();
    });
  }

  // Escape closes the open Recent menu and hands the focus back to its summary.
  var recent = document.querySelector(".recent-menu");
  if (recent) {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !recent.open) return;
      recent.open = false;
      recent.querySelector("summary").focus();
    });
  }

  // "/" puts the cursor in the header's search box, as on most sites, unless one is typing already.
  var search = document.getElementById("site-search");
  if (search) {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
      if (typing) return;
      event.preventDefault();
      search.focus();
      search.select();
    });
  }
})();
