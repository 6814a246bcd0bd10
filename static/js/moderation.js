// Owner tools on the album page: say how many photos are ticked and keep the
// bulk buttons disabled while none is. Without JavaScript the form works the
// same; the server answers an empty selection with a clear message.
(function () {
  "use strict";

  var form = document.querySelector("[data-bulk-moderation]");
  if (!form) return;
  var count = form.querySelector("[data-bulk-count]");
  var buttons = form.querySelectorAll(".bulk-actions button[name=action]");

  function update() {
    var selected = form.querySelectorAll("input[name=photos]:checked").length;
    if (count) count.textContent = selected ? selected + " selected" : "";
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = selected === 0;
  }

  form.addEventListener("change", update);
  // Back/forward cache restores ticked boxes: count them again.
  window.addEventListener("pageshow", update);
  update();
})();
