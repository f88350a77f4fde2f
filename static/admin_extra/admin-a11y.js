// Django's admin widgets, made accessible after they draw themselves (portal/tests/test_admin_accessibility.py).
//
// select2 (the admin's autocomplete) draws a combobox named only by the option it shows, so an empty one has no
// name. Name each by its field as well: the select's <label>, or the aria-label our inlines give it
// (portal/admin_inlines.py). The combobox then reads e.g. "Exercise (exercise 3): Walking".
(function () {
  "use strict";

  function nameNode(select) {
    var label = select.id && document.querySelector("label[for='" + select.id + "']");
    if (label) {
      if (!label.id) label.id = select.id + "-label";
      return label.id;
    }
    var text = select.getAttribute("aria-label");
    if (!text) return null;
    var id = select.id + "-name";
    if (!document.getElementById(id)) {
      var span = document.createElement("span");
      span.id = id;
      span.hidden = true;
      span.textContent = text;
      select.parentNode.insertBefore(span, select);
    }
    return id;
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling;
      var combo = box && box.querySelector(".select2-selection[role=combobox]");
      if (!combo || !select.id || select.id.indexOf("__prefix__") !== -1) return;
      var name = nameNode(select);
      var shown = combo.querySelector(".select2-selection__rendered");
      if (name && shown && shown.id) {
        combo.setAttribute("aria-labelledby", name + " " + shown.id);
        shown.setAttribute("aria-labelledby", name);  // select2 makes it a read-only textbox: named by its field too
      }
    });
  }

  // The many-to-many filter (SelectFilter2) puts an aria-label on a plain <span> icon, which ARIA forbids: it is an
  // image of a magnifying glass.
  function nameIcons() {
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // A table too wide for a phone scrolls inside its inline (Django's responsive CSS): a keyboard user must be able to
  // focus it to scroll it.
  function focusableScrollers() {
    document.querySelectorAll(".inline-group, .inline-group .tabular, .results, .table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        if (!box.getAttribute("role")) box.setAttribute("role", "region");
        var heading = box.querySelector("h2, caption");
        if (heading && !box.getAttribute("aria-label")) box.setAttribute("aria-label", heading.textContent.trim());
      }
    });
  }
  window.addEventListener("resize", focusableScrollers);

  // select2 draws its comboboxes after the page has loaded, and again for each row added: name them as they come.
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.setTimeout(function () { pending = false; nameAll(); nameIcons(); focusableScrollers(); }, 0);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
