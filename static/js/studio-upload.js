// Upload with a progress bar (XMLHttpRequest upload.onprogress). Without this script the form posts
// normally to the same view, which answers with the same errors.
(function () {
  "use strict";
  var form = document.getElementById("studio-upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var progressBox = form.querySelector(".studio-progress");
  var bar = form.querySelector("progress");
  var text = form.querySelector(".studio-progress-text");
  var errorBox = form.querySelector(".studio-upload-error");
  var button = form.querySelector("button[type=submit]");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    progressBox.hidden = true;
    button.disabled = false;
  }

  function token() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  form.addEventListener("submit", function (event) {
    var fileInput = form.querySelector("input[type=file]");
    var file = fileInput && fileInput.files && fileInput.files[0];
    event.preventDefault();
    errorBox.hidden = true;
    if (!file) {
      showError("Choose a video to upload.");
      return;
    }
    if (maxBytes && file.size > maxBytes) {
      // The server refuses it too; saying so now saves sending the whole file.
      showError("This video is larger than " + Math.round(maxBytes / 1048576) + " MB, the limit.");
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("X-CSRFToken", token());
    xhr.responseType = "json";
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.floor((e.loaded / e.total) * 100);
      bar.value = percent;
      bar.textContent = percent + " %";
      text.textContent = percent + " %";
    };
    xhr.onload = function () {
      var body = xhr.response || {};
      if (xhr.status >= 200 && xhr.status < 300 && body.redirect) {
        window.location.assign(body.redirect);
      } else if (body.errors && body.errors.length) {
        showError(body.errors.join(" "));
      } else if (xhr.status === 413) {
        showError("This video is too large.");
      } else {
        showError("The upload failed. Check your connection and try again.");
      }
    };
    xhr.onerror = function () {
      showError("The upload failed. Check your connection and try again.");
    };
    progressBox.hidden = false;
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
