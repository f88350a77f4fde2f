// Ordering for admin inlines marked "sortable-inline" (tabular rows or stacked cards): drag a row by its handle,
// or use its "Move up" / "Move down" buttons (keyboard and screen readers); either renumbers the "order" inputs
// top to bottom. Without JavaScript the order numbers stay editable.
(function () {
  "use strict";

  var ROW = "tr.form-row:not(.empty-form), div.inline-related:not(.empty-form)";

  function rows(container) {
    return Array.from(container.children).filter(function (el) { return el.matches(ROW); });
  }

  function orderInput(row) {
    return row.querySelector("input[name$='-order']");
  }

  // A row counts once it holds a saved object or the user typed into it; untouched extra rows stay blank
  // so that Django still treats them as empty.
  function isFilled(row, input) {
    if (row.classList.contains("has_original")) return true;
    return Array.from(row.querySelectorAll("input:not([type=hidden]):not([type=checkbox]), select, textarea")).some(function (el) {
      if (el === input) return false;
      if (el.tagName === "SELECT") {
        return Array.from(el.options).some(function (option) { return option.selected !== option.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }

  function renumber(container) {
    var position = 0;
    rows(container).forEach(function (row) {
      var input = orderInput(row);
      if (!input || !isFilled(row, input)) return;
      position += 1;
      if (input.value !== String(position)) {
        input.value = String(position);
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function rowLabel(row) {
    var select = row.querySelector("select[name$='-exercise'], select[name$='-article']");
    if (select && select.selectedIndex >= 0 && select.value) return select.options[select.selectedIndex].text;
    var title = row.querySelector("input[name$='-title']");
    return title ? title.value : "";
  }

  function addControls(row) {
    if (row.querySelector(".sortable-handle")) return;
    var place = row.querySelector("h3") || row.querySelector("td.field-order") || row.querySelector("td.original, td");
    if (!place) return;
    var handle = document.createElement("span");
    handle.className = "sortable-handle";
    handle.textContent = "\u2195";
    handle.title = "Drag to reorder";
    handle.setAttribute("aria-hidden", "true");
    place.prepend(handle);
    row.draggable = true;
    var label = rowLabel(row);
    [["up", "\u2191", "Move up"], ["down", "\u2193", "Move down"]].forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sortable-move";
      button.dataset.move = spec[0];
      button.textContent = spec[1];
      button.title = spec[2];
      button.setAttribute("aria-label", spec[2] + (label ? ": " + label : ""));
      place.append(button);
    });
  }

  function move(row, direction) {
    var container = row.parentNode;
    var all = rows(container);
    var index = all.indexOf(row);
    var other = all[direction === "up" ? index - 1 : index + 1];
    if (!other) return;
    container.insertBefore(row, direction === "up" ? other : other.nextSibling);
    renumber(container);
    row.querySelector("[data-move='" + direction + "']").focus();
  }

  function setUp(group) {
    // The inline's classes are on its fieldset: a table's rows are in its tbody, stacked cards are its children.
    var container = group.querySelector("tbody") || group;
    if (!container || !rows(container).some(orderInput)) return;
    var dragged = null;
    rows(container).forEach(addControls);
    container.addEventListener("click", function (event) {
      var button = event.target.closest("[data-move]");
      if (button) move(button.closest(ROW), button.dataset.move);
    });
    container.addEventListener("dragstart", function (event) {
      dragged = event.target.closest ? event.target.closest(ROW) : null;
      if (!dragged) return;
      dragged.classList.add("sortable-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.id || "row");
    });
    container.addEventListener("dragover", function (event) {
      var target = event.target.closest(ROW);
      if (!dragged || !target || target === dragged || target.parentNode !== container) return;
      event.preventDefault();
      var box = target.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      container.insertBefore(dragged, after ? target.nextSibling : target);
    });
    container.addEventListener("drop", function (event) { event.preventDefault(); });
    container.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("sortable-dragging");
      dragged = null;
      renumber(container);
    });
    document.addEventListener("formset:added", function (event) {
      var row = event.target.closest ? event.target.closest(ROW) : null;
      if (row && row.parentNode === container) addControls(row);
    });
  }

  function init() {
    document.querySelectorAll(".sortable-inline").forEach(setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
