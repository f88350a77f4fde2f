// Drag-and-drop ordering for admin tabular inlines marked "sortable-inline".
// Rows get a handle; dropping a row renumbers the "order" inputs top to bottom.
(function () {
  "use strict";

  function orderInputs(tbody) {
    return Array.from(tbody.querySelectorAll("tr.form-row:not(.empty-form) input[name$='-order']"));
  }

  // A row counts once it holds a saved object or the user typed into it; untouched extra rows stay blank
  // so that Django still treats them as empty.
  function isFilled(row, orderInput) {
    if (row.classList.contains("has_original")) return true;
    return Array.from(row.querySelectorAll("input:not([type=hidden]):not([type=checkbox]), select, textarea")).some(function (el) {
      if (el === orderInput) return false;
      if (el.tagName === "SELECT") {
        return Array.from(el.options).some(function (option) { return option.selected !== option.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }

  function renumber(tbody) {
    var position = 0;
    orderInputs(tbody).forEach(function (input) {
      if (!isFilled(input.closest("tr"), input)) return;
      position += 1;
      if (input.value !== String(position)) {
        input.value = String(position);
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function addHandle(row) {
    if (row.classList.contains("empty-form") || row.querySelector(".sortable-handle")) return;
    var cell = row.querySelector("td.original, td");
    if (!cell) return;
    var handle = document.createElement("span");
    handle.className = "sortable-handle";
    handle.textContent = "\u2195";
    handle.title = "Drag to reorder";
    handle.setAttribute("aria-hidden", "true");
    cell.prepend(handle);
    row.draggable = true;
  }

  function setUp(group) {
    var tbody = group.querySelector("tbody");
    if (!tbody || !orderInputs(tbody).length) return;
    var dragged = null;
    tbody.querySelectorAll("tr.form-row").forEach(addHandle);
    tbody.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("tr.form-row");
      if (!dragged) return;
      dragged.classList.add("sortable-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.id || "row");
    });
    tbody.addEventListener("dragover", function (event) {
      var target = event.target.closest("tr.form-row");
      if (!dragged || !target || target === dragged || target.classList.contains("empty-form")) return;
      event.preventDefault();
      var box = target.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      tbody.insertBefore(dragged, after ? target.nextSibling : target);
    });
    tbody.addEventListener("drop", function (event) { event.preventDefault(); });
    tbody.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("sortable-dragging");
      dragged = null;
      renumber(tbody);
    });
    document.addEventListener("formset:added", function (event) {
      var row = event.target.closest ? event.target.closest("tr.form-row") : null;
      if (row && tbody.contains(row)) addHandle(row);
    });
  }

  function init() {
    document.querySelectorAll(".sortable-inline").forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
