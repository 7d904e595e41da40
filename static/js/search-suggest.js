// The search box's suggestions (htmx fills #search-suggestions as the shopper types): the Down arrow moves
// from the box into the list, Up and Down move through it, Escape closes it and returns to the box, and a
// click elsewhere closes it.
(function () {
  "use strict";
  const input = document.getElementById("site-search");
  const box = document.getElementById("search-suggestions");
  if (!input || !box) return;

  const links = () => Array.from(box.querySelectorAll("a"));
  const close = () => { box.replaceChildren(); };

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    } else if (event.key === "Escape") {
      close();
    }
  });
  box.addEventListener("keydown", (event) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < all.length - 1) {
      event.preventDefault();
      all[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (at > 0) all[at - 1].focus();
      else input.focus();
    } else if (event.key === "Escape") {
      close();
      input.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!input.form.contains(event.target)) close();
  });
  // A query cleared to nothing: no stale list under an empty box.
  input.addEventListener("input", () => { if (!input.value.trim()) close(); });
})();
