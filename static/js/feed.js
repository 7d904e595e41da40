// The video feed: plays the video on screen and pauses the others, shows tag chips at their
// timestamps inside the picture, opens the product sheet (htmx fills it), moves between videos with
// the keyboard, and reports impressions in batches. Without this script every post still shows its video
// (with controls off, the poster) and the list of tagged products links to their pages.
(function () {
  "use strict";

  var feed = document.querySelector("[data-feed]");
  if (!feed) {
    return;
  }
  var eventsUrl = feed.dataset.eventsUrl;
  var sheet = document.getElementById("product-sheet");
  var sheetBody = document.getElementById("product-sheet-body");
  var current = null; // the article most on screen
  var pausedByUser = new WeakSet();

  // --- events: impressions (>= 50 % visible for 1 s), sent in batches ---------------------------
  var MAX_BATCH = 50;
  var queue = [];
  var reported = new Set();
  var impressionTimers = new Map();

  function flush(useBeacon) {
    if (!queue.length || !eventsUrl) {
      return;
    }
    var batch = queue.splice(0, MAX_BATCH);
    var body = JSON.stringify(batch);
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(eventsUrl, new Blob([body], { type: "application/json" }));
    } else {
      fetch(eventsUrl, {
        method: "POST",
        body: body,
        keepalive: true,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
      }).catch(function () {});
    }
    if (queue.length) {
      flush(useBeacon);
    }
  }

  function impression(article) {
    var post = parseInt(article.dataset.postId, 10);
    if (reported.has(post)) {
      return;
    }
    reported.add(post);
    queue.push({ type: "impression", post: post });
    if (queue.length >= 20) {
      flush(false);
    }
  }

  window.setInterval(function () { flush(false); }, 5000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush(true);
    }
  });
  window.addEventListener("pagehide", function () { flush(true); });

  // --- playback ----------------------------------------------------------------------------------
  function videoOf(article) {
    return article.querySelector("[data-feed-video]");
  }

  function setButton(article, action, pressed, label, text) {
    var button = article.querySelector('[data-action="' + action + '"]');
    if (button) {
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.setAttribute("aria-label", label);
      button.textContent = text;
    }
  }

  function showState(article) {
    var video = videoOf(article);
    setButton(article, "play", video.paused, video.paused ? "Play video" : "Pause video", video.paused ? "Play" : "Pause");
    setButton(article, "mute", video.muted, video.muted ? "Unmute video" : "Mute video", video.muted ? "Unmute" : "Mute");
  }

  function play(article) {
    var video = videoOf(article);
    var started = video.play();
    if (started && started.catch) {
      started.catch(function () { showState(article); });
    }
  }

  function togglePlay(article) {
    var video = videoOf(article);
    if (video.paused) {
      pausedByUser.delete(video);
      play(article);
    } else {
      pausedByUser.add(video);
      video.pause();
    }
  }

  function toggleMute(article) {
    var video = videoOf(article);
    video.muted = !video.muted;
    showState(article);
  }

  // --- tag chips at their timestamps, inside the picture ------------------------------------------
  // The video is letterboxed (object-fit: contain): the chips' layer is fitted to the picture itself,
  // and a placed chip is centred on its point, then moved as little as needed to stay inside it, clear
  // of the search and cart buttons above and of the play and mute buttons (and unplaced chips) below.
  var EDGE = 8; // px kept free around a chip

  var pictureBox = window.pictureBox; // static/js/picture-box.js

  function clamp(value, low, high) {
    return Math.max(low, Math.min(value, Math.max(low, high)));
  }

  // The band of the picture where chips go, in the layer's pixels.
  function chipBand(article, box) {
    var band = { top: EDGE, bottom: box.height - EDGE };
    var bar = document.querySelector(".feed-bar-links"); // sticky over the top of the video on screen
    if (bar) {
      band.top = Math.max(band.top, bar.offsetTop + bar.offsetHeight + EDGE - box.top);
    }
    var controls = article.querySelector(".feed-controls");
    if (controls) {
      band.bottom = Math.min(band.bottom, controls.offsetTop - EDGE - box.top);
    }
    article.querySelectorAll("[data-chip]:not([data-x])").forEach(function (chip) {
      if (!chip.hidden) { // the chips without a place are listed at the bottom of the layer
        band.bottom = Math.min(band.bottom, chip.offsetTop - EDGE);
      }
    });
    return band;
  }

  function placeChip(chip, box, band) {
    // Positions come from data attributes: the CSP forbids inline style attributes, not CSSOM.
    var width = chip.offsetWidth;
    var height = chip.offsetHeight;
    var x = (box.width * parseFloat(chip.dataset.x)) / 100 - width / 2;
    var y = (box.height * parseFloat(chip.dataset.y)) / 100 - height / 2;
    y = clamp(y, band.top, band.bottom - height);
    chip.style.left = clamp(x, EDGE, box.width - width - EDGE) + "px";
    chip.style.top = clamp(y, EDGE, box.height - height - EDGE) + "px"; // on a tiny picture, inside it above all
  }

  function layOutChips(article) {
    var layer = article.querySelector("[data-chips]");
    if (!layer) {
      return;
    }
    var box = pictureBox(videoOf(article));
    layer.style.left = box.left + "px";
    layer.style.top = box.top + "px";
    layer.style.width = box.width + "px";
    layer.style.height = box.height + "px";
    var band = chipBand(article, box);
    layer.querySelectorAll("[data-chip][data-x]").forEach(function (chip) {
      if (!chip.hidden) {
        placeChip(chip, box, band);
      }
    });
  }

  function syncChips(article) {
    var time = videoOf(article).currentTime;
    var shown = false;
    article.querySelectorAll("[data-chip]").forEach(function (chip) {
      var start = parseFloat(chip.dataset.start);
      var end = chip.dataset.end ? parseFloat(chip.dataset.end) : Infinity;
      var hidden = !(time >= start && time < end);
      shown = shown || (chip.hidden && !hidden);
      chip.hidden = hidden;
    });
    if (shown) {
      layOutChips(article); // a chip is measured once it is displayed
    }
  }

  var resized = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      layOutChips(entry.target.closest("[data-feed-item]"));
    });
  }) : null;

  // Back from paying (?t=<seconds> on a post's page): the video starts where the shopper left it.
  var startAt = parseFloat(new URLSearchParams(window.location.search).get("t"));

  function seekOnce(video) {
    if (!(startAt > 0)) {
      return;
    }
    var seconds = startAt;
    startAt = NaN;
    if (video.readyState >= 1) {
      video.currentTime = seconds;
    } else {
      video.addEventListener("loadedmetadata", function () { video.currentTime = seconds; }, { once: true });
    }
  }

  function setUp(article) {
    if (article.dataset.feedReady) {
      return;
    }
    article.dataset.feedReady = "1";
    var video = videoOf(article);
    seekOnce(video);
    article.querySelectorAll("[data-chip][data-x]").forEach(function (chip) {
      chip.classList.add("is-placed");
    });
    ["timeupdate", "seeked"].forEach(function (name) {
      video.addEventListener(name, function () { syncChips(article); });
    });
    video.addEventListener("loadedmetadata", function () {
      layOutChips(article); // the picture's size is known now
      syncChips(article);
    });
    if (resized) {
      resized.observe(video);
    }
    ["play", "pause", "volumechange"].forEach(function (name) {
      video.addEventListener(name, function () { showState(article); });
    });
    // Tap the video: unmute (the first time), else play / pause.
    video.addEventListener("click", function () {
      if (video.muted) {
        toggleMute(article);
        if (video.paused) {
          play(article);
        }
      } else {
        togglePlay(article);
      }
    });
    article.querySelector('[data-action="play"]').addEventListener("click", function () { togglePlay(article); });
    article.querySelector('[data-action="mute"]').addEventListener("click", function () { toggleMute(article); });
    visibility.observe(article);
    seen.observe(article);
    showState(article);
    layOutChips(article);
    syncChips(article);
  }

  // Play what is on screen, pause what is not.
  var visibility = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      var article = entry.target;
      var video = videoOf(article);
      if (entry.intersectionRatio >= 0.6) {
        current = article;
        if (!pausedByUser.has(video) && !(sheet && sheet.open)) {
          play(article);
        }
      } else if (!video.paused) {
        video.pause();
      }
    });
  }, { threshold: [0, 0.6] });

  // An impression: at least half of the post visible for a second.
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      var article = entry.target;
      if (entry.isIntersecting && entry.intersectionRatio >= 0.5) {
        if (!impressionTimers.has(article)) {
          impressionTimers.set(article, window.setTimeout(function () {
            impressionTimers.delete(article);
            impression(article);
          }, 1000));
        }
      } else if (impressionTimers.has(article)) {
        window.clearTimeout(impressionTimers.get(article));
        impressionTimers.delete(article);
      }
    });
  }, { threshold: [0, 0.5] });

  function setUpAll(root) {
    root.querySelectorAll("[data-feed-item]").forEach(setUp);
  }
  setUpAll(document);

  // --- keyboard ----------------------------------------------------------------------------------
  function articles() {
    return Array.prototype.slice.call(feed.querySelectorAll("[data-feed-item]"));
  }

  function move(step) {
    var list = articles();
    // From the video that has the keyboard focus, else the one on screen.
    var focused = list.indexOf(document.activeElement);
    var index = focused >= 0 ? focused : list.indexOf(current || list[0]);
    var next = list[Math.max(0, Math.min(list.length - 1, index + step))];
    if (next && next !== list[index]) {
      current = next;
      next.focus({ preventScroll: true });
      next.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || (sheet && sheet.open)) {
      return;
    }
    var target = event.target;
    if (target.closest && target.closest("input, select, textarea, button, a, [contenteditable]")) {
      return; // those keys belong to the control that has focus
    }
    var key = event.key;
    if (key === "ArrowDown" || key === "j") {
      move(1);
    } else if (key === "ArrowUp" || key === "k") {
      move(-1);
    } else if (key === " " && current) {
      togglePlay(current);
    } else if ((key === "m" || key === "M") && current) {
      toggleMute(current);
    } else {
      return;
    }
    event.preventDefault();
  });

  // --- search over the video: back to the header's search box (the link's target without JS) ------
  document.querySelectorAll("[data-feed-search]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var input = document.getElementById("site-search");
      if (!input) {
        return;
      }
      event.preventDefault();
      window.scrollTo(0, 0);
      input.focus({ preventScroll: true });
    });
  });

  // --- the product sheet -------------------------------------------------------------------------
  // The video keeps playing under the sheet (the shopper is still watching); each tap inside the
  // sheet records the second it was made at, so "Buy now" comes back to that second after the bank.
  var sheetVideo = null;
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === sheetBody && sheet && !sheet.open) {
      sheetVideo = current ? videoOf(current) : null;
      sheet.showModal();
    }
  });
  function recordSecond(event) {
    if (!sheetVideo || !sheetBody.contains(event.target)) {
      return;
    }
    sheetBody.querySelectorAll("input[name=t]").forEach(function (input) {
      input.value = sheetVideo.currentTime.toFixed(1);
    });
  }
  // Capture phase: the value is set before htmx or the browser reads the form.
  document.addEventListener("click", recordSecond, true);
  document.addEventListener("submit", recordSecond, true);
  document.body.addEventListener("htmx:load", function (event) {
    setUpAll(event.detail.elt.parentNode || document);
  });
  if (sheet) {
    sheet.addEventListener("close", function () {
      sheetBody.textContent = "";
      if (current) {
        current.focus({ preventScroll: true });
      }
      sheetVideo = null;
    });
  }
})();
