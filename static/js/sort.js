// Sorting a product list: choosing an order sends the filter form at once, so the Sort button is hidden.
(function () {
  "use strict";
  for (const select of document.querySelectorAll("select[name=sort][form]")) {
    const form = document.getElementById(select.getAttribute("form"));
    if (!form) continue;
    const button = select.parentElement.querySelector("[data-sort-submit]");
    if (button) button.hidden = true;
    select.addEventListener("change", () => form.requestSubmit());
  }
})();
