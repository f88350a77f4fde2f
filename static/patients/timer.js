// Hold and rest countdowns on the Today page. Without JavaScript the timers stay hidden and the dosage
// in words says how long to hold. Buttons are real <button>s (keyboard and screen readers work); the
// visible count is aria-hidden, and a polite live region announces the start, every 5 seconds and the end.
(function () {
  document.querySelectorAll("[data-timer]").forEach(function (box) {
    var display = box.querySelector("[data-timer-display]");
    var status = box.querySelector("[data-timer-status]");
    var stop = box.querySelector("[data-timer-stop]");
    var interval = null;

    function finish(message) {
      clearInterval(interval);
      interval = null;
      stop.disabled = true;
      status.textContent = message;
    }

    box.querySelectorAll("[data-timer-seconds]").forEach(function (button) {
      button.addEventListener("click", function () {
        var label = button.getAttribute("data-timer-label");
        var left = parseInt(button.getAttribute("data-timer-seconds"), 10);
        var ends = Date.now() + left * 1000;
        if (interval) clearInterval(interval);
        display.textContent = left + " s";
        status.textContent = label + ": " + left + " seconds, starting now.";
        stop.disabled = false;
        interval = setInterval(function () {
          var now = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
          if (now === left) return;
          left = now;
          display.textContent = left + " s";
          if (left === 0) {
            display.textContent = label + " done";
            finish(label + " done.");
          } else if (left % 5 === 0) {
            status.textContent = left + " seconds left.";
          }
        }, 250);
      });
    });

    stop.addEventListener("click", function () {
      display.textContent = "";
      finish("Timer stopped.");
    });
    box.hidden = false;
  });
})();
