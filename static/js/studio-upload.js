// Upload with a progress bar (XMLHttpRequest upload.onprogress). Without this script the form posts
// normally to the same view, which answers with the same errors.
//
// With object storage (the form has data-direct-url) the video goes straight to the bucket: the app opens
// an upload and signs a URL per part, the browser PUTs each part, then asks the app to complete it. An
// interrupted upload is remembered (localStorage, by file name, size and date): choosing the same file
// again asks the app which parts arrived and sends only the others.
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

  var directUrl = form.getAttribute("data-direct-url");

  function showProgress(done, total) {
    var percent = total ? Math.floor((done / total) * 100) : 0;
    bar.value = percent;
    bar.textContent = percent + " %";
    text.textContent = percent + " %";
  }

  function request(method, url, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      if (url.charAt(0) === "/") {
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        xhr.setRequestHeader("X-CSRFToken", token());
        if (body && !(body instanceof Blob)) xhr.setRequestHeader("Content-Type", "application/json");
      }
      if (onProgress) xhr.upload.onprogress = function (e) { onProgress(e.loaded); };
      xhr.onload = function () {
        var json = null;
        try { json = JSON.parse(xhr.responseText); } catch (e) { json = null; }
        resolve({ status: xhr.status, body: json || {} });
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.send(body === undefined || body === null ? null : body instanceof Blob ? body : JSON.stringify(body));
    });
  }

  function savedKey(file) {
    return "studio-upload:" + file.name + ":" + file.size + ":" + file.lastModified;
  }

  function remembered(file) {
    try { return JSON.parse(window.localStorage.getItem(savedKey(file)) || "null"); } catch (e) { return null; }
  }

  function remember(file, state) {
    try {
      if (state) window.localStorage.setItem(savedKey(file), JSON.stringify(state));
      else window.localStorage.removeItem(savedKey(file));
    } catch (e) { /* private mode: no resume, the upload still works */ }
  }

  function failWith(answer) {
    var body = answer.body || {};
    showError(body.message || (body.errors || []).join(" ") || "The upload failed. Try again.");
  }

  function openUpload(file) {
    var saved = remembered(file);
    var resume = saved ? request("GET", saved.status_url) : Promise.resolve({ status: 0 });
    return resume.then(function (answer) {
      if (answer.status === 200) {
        text.textContent = "Resuming…";
        return answer.body;
      }
      remember(file, null);
      var caption = form.querySelector("[name=caption]");
      return request("POST", directUrl, { filename: file.name, size: file.size, caption: caption ? caption.value : "" })
        .then(function (started) {
          if (started.status !== 201) throw started;
          remember(file, { status_url: started.body.status_url });
          return started.body;
        });
    });
  }

  function sendParts(file, state) {
    var partSize = state.part_size;
    var done = state.uploaded.reduce(function (sum, number) {
      return sum + Math.min(partSize, file.size - (number - 1) * partSize);
    }, 0);
    var numbers = Object.keys(state.urls).map(Number).sort(function (a, b) { return a - b; });
    showProgress(done, file.size);
    return numbers.reduce(function (chain, number) {
      return chain.then(function () {
        var blob = file.slice((number - 1) * partSize, Math.min(number * partSize, file.size));
        return request("PUT", state.urls[String(number)], blob, function (loaded) {
          showProgress(done + loaded, file.size);
        }).then(function (answer) {
          if (answer.status < 200 || answer.status >= 300) throw new Error("network");
          done += blob.size;
          showProgress(done, file.size);
        });
      });
    }, Promise.resolve());
  }

  function directUpload(file) {
    progressBox.hidden = false;
    button.disabled = true;
    openUpload(file)
      .then(function (state) {
        return sendParts(file, state).then(function () { return request("POST", state.complete_url); });
      })
      .then(function (answer) {
        if (answer.status === 202 && answer.body.redirect) {
          remember(file, null);
          window.location.assign(answer.body.redirect);
        } else {
          if (answer.status !== 409) remember(file, null);
          failWith(answer);
        }
      })
      .catch(function (problem) {
        if (problem && problem.status) failWith(problem);
        else showError("The upload was interrupted. Choose the same video and press Upload again: it resumes where it stopped.");
      });
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
    if (directUrl && window.Promise && window.Blob) {
      directUpload(file);
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
