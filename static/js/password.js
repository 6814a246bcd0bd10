// Sign-up: a button beside the password shows it as plain text while it is
// typed, and hides it again (aria-pressed says which; its name changes too,
// "Show password" / "Hide password").
// Without JavaScript the button stays hidden and the field is a plain
// password field.
(function () {
  "use strict";

  var buttons = document.querySelectorAll("[data-password-toggle]");
  for (var i = 0; i < buttons.length; i++) setUp(buttons[i]);

  function setUp(button) {
    var input = document.getElementById(button.getAttribute("aria-controls"));
    var word = button.querySelector("[data-toggle-word]");
    if (!input || !word) return;

    function show(shown) {
      input.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
      // "Show password" or "Hide password" to a screen reader; Show or
      // Hide on screen, leaving the field the room.
      word.textContent = shown ? pgettext("password toggle", "Hide") : pgettext("password toggle", "Show");
    }

    button.addEventListener("click", function () {
      show(input.type === "password");
    });
    // Sent as a password field, so the browser offers to save it; and
    // hidden again when the page comes back from the back/forward cache.
    if (input.form) {
      input.form.addEventListener("submit", function () {
        show(false);
      });
    }
    window.addEventListener("pageshow", function () {
      show(false);
    });
    show(false);
    button.hidden = false;
  }
})();
