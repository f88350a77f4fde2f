// Show the emergency advice as soon as any red-flag box is ticked (the server shows it again after saving).
(function () {
  var advice = document.getElementById("red-flag-advice");
  if (!advice) return;
  var boxes = document.querySelectorAll('input[data-red-flag]');
  function update() {
    var any = Array.prototype.some.call(boxes, function (box) { return box.checked; });
    var wasHidden = advice.classList.contains("d-none");
    advice.classList.toggle("d-none", !any);
    if (any && wasHidden) {
      advice.scrollIntoView({ behavior: "smooth", block: "start" });
      advice.focus({ preventScroll: true });
    }
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (Array.prototype.some.call(boxes, function (box) { return box.checked; })) advice.classList.remove("d-none");
})();
