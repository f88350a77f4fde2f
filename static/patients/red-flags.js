// As red-flag boxes are ticked, show the advice for the most serious level ticked (the levels come from the
// server, patients/triage.py). Nothing here claims that anyone was told: only the server says that, after
// saving. "None of these" and the symptoms exclude each other. Flags the server has already saved (the form
// came back with other errors) are left to the server's own advice box.
(function () {
  var data = document.getElementById("red-flag-levels");
  if (!data) return;
  var levels = JSON.parse(data.textContent);
  var saved = document.getElementById("red-flags-reported");
  var reported = saved ? JSON.parse(saved.textContent) : [];
  var order = ["emergency", "same_day", "tell_physio"];
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-red-flag]"));
  var advice = Array.prototype.slice.call(document.querySelectorAll("[data-red-flag-advice]"));
  function update(changed) {
    if (changed && changed.checked) {
      boxes.forEach(function (box) {
        var isNone = box.value === "none";
        if (box !== changed && (changed.value === "none" ? !isNone : isNone)) box.checked = false;
      });
    }
    var ticked = boxes.filter(function (box) {
      return box.checked && levels[box.value] && reported.indexOf(box.value) === -1;
    });
    var worst = null;
    ticked.forEach(function (box) {
      var level = levels[box.value];
      if (worst === null || order.indexOf(level) < order.indexOf(worst)) worst = level;
    });
    advice.forEach(function (box) {
      var show = box.getAttribute("data-red-flag-advice") === worst;
      var wasHidden = box.classList.contains("d-none");
      box.classList.toggle("d-none", !show);
      if (show && wasHidden && changed) {
        box.scrollIntoView({ behavior: "smooth", block: "start" });
        box.focus({ preventScroll: true });
      }
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", function () { update(box); }); });
  update(null);
})();
