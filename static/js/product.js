// Product page. The gallery: a thumbnail (or a swipe across the main photo) shows that photo in place;
// without this script a thumbnail opens the photo's file. The variant picker: when another variant is
// picked, show its price, compare-at price and availability. Progressive enhancement: without this
// script every option already shows its own price, and the "Show this option" button reloads the page
// with the chosen variant. "Add to cart" posts the same form (htmx answers in #add-to-cart-feedback;
// without JavaScript the server redirects).
(function () {
  "use strict";

  var SWIPE = 40; // px across, and more across than down, to count as a swipe

  function setUpGallery(gallery) {
    var main = gallery.querySelector("[data-gallery-main]");
    var thumbs = Array.prototype.slice.call(gallery.querySelectorAll("[data-gallery-thumb]"));
    var status = gallery.querySelector("[data-gallery-status]");
    if (!main || thumbs.length < 2) {
      return;
    }
    var current = 0;

    function show(index) {
      if (index < 0 || index >= thumbs.length || index === current) {
        return;
      }
      // The thumbnail's own picture, asked for at the main photo's size (the browser picks the rendition).
      var picture = thumbs[index].querySelector("picture, img").cloneNode(true);
      var sources = picture.matches("img") ? [picture] : Array.prototype.slice.call(picture.querySelectorAll("source, img"));
      sources.forEach(function (source) {
        if (source.hasAttribute("sizes")) {
          source.setAttribute("sizes", main.dataset.sizes);
        }
      });
      var image = picture.matches("img") ? picture : picture.querySelector("img");
      image.setAttribute("loading", "eager");
      main.replaceChildren(picture);
      thumbs.forEach(function (thumb, position) {
        thumb.setAttribute("aria-current", position === index ? "true" : "false");
      });
      if (status) {
        status.textContent = "Photo " + (index + 1) + " of " + thumbs.length + (image.alt ? ": " + image.alt : "");
      }
      current = index;
    }

    thumbs.forEach(function (thumb, index) {
      thumb.setAttribute("aria-current", index === 0 ? "true" : "false");
      thumb.addEventListener("click", function (event) {
        event.preventDefault();
        show(index);
      });
    });

    // Swipe: left for the next photo, right for the previous one (vertical moves still scroll the page).
    var start = null;
    main.addEventListener("pointerdown", function (event) {
      start = event.isPrimary ? { x: event.clientX, y: event.clientY } : null;
    });
    main.addEventListener("pointerup", function (event) {
      if (!start) {
        return;
      }
      var across = event.clientX - start.x;
      var down = event.clientY - start.y;
      start = null;
      if (Math.abs(across) >= SWIPE && Math.abs(across) > Math.abs(down)) {
        show(current + (across < 0 ? 1 : -1));
      }
    });
    main.addEventListener("pointercancel", function () { start = null; });
    main.addEventListener("dragstart", function (event) { event.preventDefault(); }); // a drag is a swipe here
  }

  function setUpVariantPicker(form) {
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
  }

  var gallery = document.querySelector("[data-gallery]");
  if (gallery) {
    setUpGallery(gallery);
  }
  var form = document.querySelector("[data-variant-picker]");
  if (form) {
    setUpVariantPicker(form);
  }
})();
