// "Tag at current time": fills a start field with the player's current position.
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
})();
