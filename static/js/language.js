// The language switcher (templates/_language_form.html): picking a language
// sends the form at once, so its button is only for browsers without this.
(function () {
  "use strict";
  document.querySelectorAll("[data-submit-on-change]").forEach(function (select) {
    var form = select.form;
    var button = form.querySelector(".language-submit");
    if (button) button.hidden = true;
    select.addEventListener("change", function () {
      form.submit();
    });
  });
})();
