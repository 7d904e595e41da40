// Share links ([data-share]): the Web Share API where there is one (phones), else the link is copied and
// the status next to it says so; if the clipboard is refused too, the status shows the link to copy.
(function () {
  "use strict";
  function status(link, text) {
    const box = link.parentElement.querySelector("[data-share-status]");
    if (box) box.textContent = text;
  }
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-share]");
    if (!link) return;
    event.preventDefault();
    const url = link.href;
    if (navigator.share) {
      try {
        await navigator.share({ title: link.dataset.shareTitle || document.title, url: url });
        return;
      } catch (error) {
        if (error && error.name === "AbortError") return; // the shopper closed the share sheet
      }
    }
    try {
      await navigator.clipboard.writeText(url);
      status(link, "Link copied");
    } catch (error) {
      status(link, "Copy this link: " + url);
    }
  });
})();
