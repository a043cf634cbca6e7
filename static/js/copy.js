// Copy buttons in the panel: <button data-copy="text" data-copied="..." data-copy-failed="...">
// copies its text and says so in the status beside it. The buttons are hidden until this script
// runs, so a page without JavaScript shows no button that does nothing.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function statusOf(button) {
    return document.getElementById(button.getAttribute("aria-describedby"));
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    const status = statusOf(button);
    const copied = navigator.clipboard
      ? navigator.clipboard.writeText(button.dataset.copy)
      : Promise.reject(new Error("no clipboard"));
    copied.then(
      function () { status.textContent = button.dataset.copied; },
      function () { status.textContent = button.dataset.copyFailed; },
    );
  });

  reveal(document);
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
})();
