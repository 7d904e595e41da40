// The post editor's player. "Tag at current time" fills a start field with the player's current position.
// "Place on the video" lays a layer over the picture: a tap there fills that form's Across % and Down %
// (the fields stay, for typing and for browsers without this script) and marks the spot.
(function () {
  "use strict";
  var video = document.getElementById("studio-video");
  if (!video) return;
  var buttons = document.querySelectorAll(".studio-at-current");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-target"));
      if (!input) return;
      input.value = (Math.floor(video.currentTime * 10) / 10).toFixed(1);
      input.focus();
    });
  });

  // --- place a tag by tapping the video -----------------------------------------------------------
  var layer = document.querySelector("[data-place-layer]");
  var marker = document.querySelector("[data-place-marker]");
  var status = document.querySelector("[data-place-status]");
  if (!layer || !marker) return;
  var placing = null; // the "Place on the video" button whose form the next tap fills

  function fieldsOf(button) {
    return {
      x: document.getElementById(button.getAttribute("data-place-x")),
      y: document.getElementById(button.getAttribute("data-place-y")),
    };
  }

  // Where the picture is drawn inside the player (letterboxed when the player is capped in height).
  function pictureBox() {
    return window.pictureBox(video); // static/js/picture-box.js
  }

  // Sizes and places through CSSOM: the CSP forbids style attributes, not this.
  function fitLayer() {
    var box = pictureBox();
    layer.style.left = box.left + "px";
    layer.style.top = box.top + "px";
    layer.style.width = box.width + "px";
    layer.style.height = box.height + "px";
  }

  function showMarker(x, y) {
    var box = pictureBox();
    marker.style.left = box.left + (box.width * x) / 100 + "px";
    marker.style.top = box.top + (box.height * y) / 100 + "px";
    marker.hidden = false;
  }

  function stop() {
    if (placing) {
      placing.setAttribute("aria-pressed", "false");
    }
    placing = null;
    layer.hidden = true;
  }

  function start(button) {
    stop();
    placing = button;
    button.setAttribute("aria-pressed", "true");
    video.pause();
    fitLayer();
    layer.hidden = false;
    var fields = fieldsOf(button);
    if (fields.x && fields.y && fields.x.value !== "" && fields.y.value !== "") {
      showMarker(parseFloat(fields.x.value), parseFloat(fields.y.value)); // where the tag is now
    } else {
      marker.hidden = true;
    }
    video.scrollIntoView({ block: "nearest" });
  }

  function percent(offset, size) {
    return Math.round(Math.max(0, Math.min(100, (offset / size) * 100)));
  }

  document.querySelectorAll(".studio-place").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (placing === button) {
        stop();
      } else {
        start(button);
      }
    });
  });

  layer.addEventListener("click", function (event) {
    if (!placing) return;
    var rect = layer.getBoundingClientRect();
    var x = percent(event.clientX - rect.left, rect.width);
    var y = percent(event.clientY - rect.top, rect.height);
    var fields = fieldsOf(placing);
    [[fields.x, x], [fields.y, y]].forEach(function (pair) {
      if (pair[0]) {
        pair[0].value = String(pair[1]);
        pair[0].dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    showMarker(x, y);
    if (status) {
      status.textContent = "Placed at " + x + " % across and " + y + " % down.";
    }
    var button = placing;
    stop();
    button.focus({ preventScroll: true }); // the marker stays in view
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && placing) {
      var button = placing;
      stop();
      button.focus();
    }
  });
  window.addEventListener("resize", function () {
    if (placing) fitLayer();
  });
})();
