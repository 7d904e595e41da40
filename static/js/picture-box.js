// Where a <video> draws its picture inside its box: letterboxed (object-fit: contain) when their shapes
// differ. Shared by the feed's tag chips and the studio's "Place on the video".
window.pictureBox = function (video) {
  "use strict";
  var width = video.clientWidth;
  var height = video.clientHeight;
  var box = { left: video.offsetLeft, top: video.offsetTop, width: width, height: height };
  if (video.videoWidth && video.videoHeight && width && height) {
    var scale = Math.min(width / video.videoWidth, height / video.videoHeight);
    box.width = video.videoWidth * scale;
    box.height = video.videoHeight * scale;
    box.left += (width - box.width) / 2;
    box.top += (height - box.height) / 2;
  }
  return box;
};
