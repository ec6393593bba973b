// govxl 收件台: drag and drop on the unit's page; sorting, filtering and live updates on the
// office's board. No library: the page works without this script too (plain forms and links).
"use strict";

function setupDrop() {
  var drop = document.getElementById("drop");
  var input = document.getElementById("file");
  var chosen = document.getElementById("chosen");
  if (!drop || !input) return;
  function show() {
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    chosen.textContent = names.length ? "已选择：" + names.join("、") : "尚未选择文件";
  }
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (e) {
    drop.addEventListener(e, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (ev) {
    ev.preventDefault();
    if (ev.dataTransfer && ev.dataTransfer.files.length) {
      input.files = ev.dataTransfer.files;
      show();
    }
  });
}

function applyFilters() {
  var table = document.getElementById("board-table");
  if (!table) return;
  var status = document.getElementById("filter-status").value;
  var text = document.getElementById("filter-text").value.trim();
  var overdue = document.getElementById("filter-overdue").checked;
  Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
    var ok = (!status || tr.dataset.status === status) &&
             (!overdue || tr.dataset.overdue === "1") &&
             (!text || tr.textContent.indexOf(text) >= 0);
    tr.hidden = !ok;
  });
}

var sortState = { col: -1, asc: true };

function applySort() {
  var table = document.getElementById("board-table");
  if (!table || sortState.col < 0) return;
  var kind = table.tHead.rows[0].cells[sortState.col].dataset.sort;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  rows.sort(function (a, b) {
    var x = a.cells[sortState.col].textContent.trim(), y = b.cells[sortState.col].textContent.trim();
    var r = kind === "num" ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, "zh-CN");
    return sortState.asc ? r : -r;
  });
  rows.forEach(function (tr) { table.tBodies[0].appendChild(tr); });
}

function setupBoard() {
  var board = document.getElementById("board");
  if (!board) return;
  board.addEventListener("click", function (ev) {
    var th = ev.target.closest("th[data-sort]");
    if (!th) return;
    sortState.asc = sortState.col === th.cellIndex ? !sortState.asc : true;
    sortState.col = th.cellIndex;
    applySort();
  });
  ["filter-status", "filter-text", "filter-overdue"].forEach(function (id) {
    document.getElementById(id).addEventListener("input", applyFilters);
  });
  var live = document.getElementById("live");
  var current = document.getElementById("counts").dataset.generation;
  function refresh() {
    fetch("/office/rows", { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) return;
      board.innerHTML = html;
      current = document.getElementById("counts").dataset.generation;
      applySort();
      applyFilters();
      live.textContent = "已更新：" + new Date().toLocaleTimeString("zh-CN");
      live.classList.add("flash");
    });
  }
  if (window.EventSource) {
    var events = new EventSource("/office/events");
    events.addEventListener("change", function (ev) {
      if (ev.data !== current) refresh();
    });
  } else {
    setInterval(refresh, 5000);
  }
}

document.addEventListener("DOMContentLoaded", function () {
  setupDrop();
  setupBoard();
});
