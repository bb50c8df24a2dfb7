// Upload with progress: the files go in one multipart request (XHR, for upload progress); the
// server answers with what it accepted, found duplicate or refused, and renders in the background.
(function () {
  const form = document.getElementById('upload-form');
  if (!form) return;
  const input = document.getElementById('files');
  const bar = document.getElementById('upload-progress');
  const status = document.getElementById('upload-status');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!input.files.length) return;
    const data = new FormData(form);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', form.querySelector('input[name=csrf_token]').value);
    bar.hidden = false;
    bar.value = 0;
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener('load', function () {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        status.textContent = status.dataset.done + ' ' + body.accepted.length +
          ' / ' + status.dataset.duplicates + ' ' + body.duplicates.length +
          ' / ' + status.dataset.rejected + ' ' + body.rejected.length;
        status.dataset.state = 'done';
        setTimeout(function () { window.location.reload(); }, 1200);
      } else {
        const code = body.error ? body.error.code : String(xhr.status);
        status.textContent = status.dataset.failed + ' (' + code + ')';
        status.dataset.state = 'failed';
      }
    });
    xhr.addEventListener('error', function () {
      status.textContent = status.dataset.failed;
      status.dataset.state = 'failed';
    });
    xhr.send(data);
  });
})();
