// codeprobe: refreshes the live status of a test send without reloading
// the page. Without this script the page works the same: its "Check
// again" button reloads it. No framework, no other origin.
(function () {
  "use strict";
  var region = document.querySelector("[data-live-status]");
  if (!region || !window.fetch) { return; }
  var url = region.getAttribute("data-live-status");
  var last = region.getAttribute("data-live-version") || "";
  var delay = 1500, max = 15000, stopped = false;
  function poll() {
    if (stopped) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.status === 403 || r.status === 404) { stopped = true; }
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (s && s.version && s.version !== last) {
          last = s.version;
          var html = s.html;
          if (typeof html === "string") { region.innerHTML = html; }
        }
        if (stopped || (s && s.final)) { stopped = true; return; }
        delay = Math.min(max, Math.round(delay * 1.4));
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = max; window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
