// Product page: when another variant is picked, show its price, compare-at price and availability.
// Progressive enhancement: without this script every option already shows its own price, and the
// "Show this option" button reloads the page with the chosen variant. "Add to cart" posts the same
// form (htmx answers in #add-to-cart-feedback; without JavaScript the server redirects).
(function () {
  "use strict";

  var form = document.querySelector("[data-variant-picker]");
  if (!form) {
    return;
  }
  var price = document.getElementById("variant-price");
  var compareAt = document.getElementById("variant-compare-at");
  var compareAtAmount = document.getElementById("variant-compare-at-amount");
  var availability = document.getElementById("variant-availability");
  var feedback = document.getElementById("add-to-cart-feedback");
  var submit = form.querySelector("[data-variant-submit]");
  if (submit) {
    submit.hidden = true;
  }

  function show(input) {
    price.textContent = input.dataset.price;
    compareAtAmount.textContent = input.dataset.compareAt || "";
    compareAt.hidden = !input.dataset.compareAt;
    availability.textContent = input.dataset.availability;
    availability.className = "availability availability-" + input.dataset.state;
    if (feedback) {
      feedback.textContent = ""; // the last confirmation was about another option
    }
    var url = new URL(window.location.href);
    url.searchParams.set("variant", input.value);
    window.history.replaceState(null, "", url);
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.name === "variant" && input.checked) {
      show(input);
    }
  });
})();
