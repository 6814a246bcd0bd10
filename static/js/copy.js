// Copying a link to the clipboard, with what it says in a status line:
// window.partyShotsCopy.copy(field, status) (the Share page's Copy and its
// fallback, static/js/share.js) and .say(status, message). On its own it
// wires each [data-copy-button]: it copies the [data-copy-source] field of
// its [data-copy-group] (else its section) and says so in the group's
// [data-copy-status]: the hosts' slideshow link and each pending co-host
// invitation on the album settings. Without JavaScript the buttons stay
// hidden and the fields are there to select by hand.
(function () {
  "use strict";

  function say(status, message) {
    if (!status) return;
    status.textContent = "";
    // A fresh text node each time, so a screen reader repeats the same words.
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copyWithSelection(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(field, status) {
    var copied = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(field.value).then(function () { return true; }, function () { return copyWithSelection(field); })
      : Promise.resolve(copyWithSelection(field));
    return copied.then(function (ok) {
      say(status, ok ? gettext("Link copied") : gettext("Select the link above and copy it"));
      if (!ok) { field.focus(); field.select(); }
    });
  }

  window.partyShotsCopy = { copy: copy, say: say };

  document.querySelectorAll("[data-copy-button]").forEach(function (button) {
    var group = button.closest("[data-copy-group]") || button.closest("section") || document;
    var field = group.querySelector("[data-copy-source]");
    var status = group.querySelector("[data-copy-status]");
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () { copy(field, status); });
  });
})();
