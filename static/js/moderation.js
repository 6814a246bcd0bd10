// Owner tools on the album page: the bulk buttons (hide, unhide, delete)
// appear once a photo is ticked, with how many are; until then a short line
// says what ticking is for. Without JavaScript the buttons are always there
// and the form works the same; the server answers an empty selection with a
// clear message.
(function () {
  "use strict";

  var form = document.querySelector("[data-bulk-moderation]");
  if (!form) return;
  var bar = form.querySelector(".bulk-actions");
  var count = form.querySelector("[data-bulk-count]");
  var buttons = form.querySelectorAll(".bulk-actions button[name=action]");
  var hint = null;
  if (bar) {
    hint = document.createElement("span");
    hint.className = "bulk-hint muted";
    hint.textContent = gettext("Tick photos to hide or delete several at once.");
    bar.insertBefore(hint, bar.firstChild);
  }

  function update() {
    var selected = form.querySelectorAll("input[name=photos]:checked").length;
    if (count) count.textContent = selected ? interpolate(ngettext("%(count)s selected", "%(count)s selected", selected), { count: selected }, true) : "";
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = selected === 0;
    if (hint) hint.hidden = selected > 0;
    if (bar) bar.classList.toggle("is-idle", selected === 0);
  }

  form.addEventListener("change", update);
  // Back/forward cache restores ticked boxes: count them again.
  window.addEventListener("pageshow", update);
  update();
})();
