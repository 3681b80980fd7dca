// Progressive enhancement: the statuses of a member's files refresh themselves while any is still moving.
// Without JavaScript the page shows the same table, and a reload shows the latest statuses.
(function () {
  "use strict";
  var table = document.querySelector("table.files");
  var single = document.getElementById("report-stage");
  if (!table && !single) { return; }
  function moving() {
    var rows = document.querySelectorAll("[data-final='no']");
    return rows.length > 0;
  }
  function update(files) {
    var changed = false;
    if (table) {
      var rows = table.querySelectorAll("tbody tr");
      if (rows.length !== files.length) { window.location.reload(); return; }
      files.forEach(function (file, index) {
        var row = rows[index];
        var cell = row.querySelector("td.status");
        if (cell.textContent !== file.stage_label) {
          cell.textContent = file.stage_label;  // text, never markup
          cell.className = "status status-" + file.stage;
          changed = true;
        }
        if (file.n_read !== null) {
          row.querySelector("td.rows").textContent = file.n_accepted + " / " + file.n_quarantined + " / " + file.n_warnings;
        }
        if (file.submission_id && !row.dataset.submission) {
          // Recorded now: the row gets its report link in place (no reload, the member keeps its place).
          row.dataset.submission = file.submission_id;
          var link = document.createElement("a");
          link.href = "/member/files/" + encodeURIComponent(file.submission_id);
          link.textContent = table.dataset.openLabel;
          row.querySelector("td.report").replaceChildren(link);
          changed = true;
        }
        row.dataset.final = file.is_final ? "yes" : "no";
      });
    }
    if (single) {
      var mine = files.filter(function (file) { return file.submission_id === single.dataset.submission; })[0];
      if (mine && mine.stage_label !== single.textContent) { window.location.reload(); return; }
    }
    return changed;
  }
  function poll() {
    if (!moving()) { return; }
    fetch("/member/files/status.json", { credentials: "same-origin", headers: { "accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) { update(body.files); } })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 1500);
})();
