// The session player on Today: "Start session" guides the patient exercise by exercise and set by set, with
// hold, rest and timed countdowns (a beep and a vibration at each end, unless muted), rep counting, "Skip" and
// "Too painful, stop". It fills in the form below as it goes, so what is saved is what the form says, and the
// patient can correct anything before saving. Without JavaScript the page stays the plain form.
//
// Times come from Date.now() against an end time, so a throttled or paused tab never miscounts. The visible
// count is aria-hidden; a polite live region announces each step, every 10 seconds and each end.
(function () {
  var form = document.querySelector("form.session-form");
  var panel = document.getElementById("player");
  var textData = document.getElementById("player-text");
  if (!form || !panel || !textData) return;
  var text = JSON.parse(textData.textContent);
  var cards = Array.prototype.slice.call(form.querySelectorAll("[data-exercise]"));
  if (!cards.length) return;

  var $ = function (name) { return panel.querySelector("[data-player-" + name + "]"); };
  var title = $("title"), step = $("step"), clock = $("clock"), status = $("status");
  var main = $("main"), skip = $("skip"), stop = $("stop"), next = $("next"), finish = $("finish");
  var sound = document.getElementById("player-sound");
  var start = document.getElementById("player-start");
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function say(key, values) {
    return (text[key] || key).replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  // --- Cues ------------------------------------------------------------------------------------------------
  var audio = null;
  function unlockAudio() { // browsers let a page make sounds once the person has pressed something on it
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
    } catch (e) { audio = null; }
  }
  sound.checked = localStorage.getItem("player-muted") !== "1";
  sound.addEventListener("change", function () { localStorage.setItem("player-muted", sound.checked ? "0" : "1"); });
  function cue() {
    if (!sound.checked) return;
    try {
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.2;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio on this device: the vibration and the words still tell */ }
    if (navigator.vibrate) navigator.vibrate(200);
  }

  // --- Countdown -------------------------------------------------------------------------------------------
  var timer = null; // {ends, left, label, then, paused}
  function mmss(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m ? m + ":" + (s < 10 ? "0" : "") + s : String(s);
  }
  function spoken(seconds) { return seconds < 60 ? say("seconds", { seconds: seconds }) : mmss(seconds); }
  function countdown(seconds, label, then) {
    clearInterval(timer && timer.interval);
    timer = { ends: Date.now() + seconds * 1000, left: seconds, label: label, then: then, paused: false };
    clock.textContent = mmss(seconds);
    status.textContent = say("countdown_start", { what: label, time: spoken(seconds) });
    timer.interval = setInterval(tick, 250);
    showMain(text.pause, pause);
  }
  function tick() {
    if (!timer || timer.paused) return;
    var left = Math.max(0, Math.ceil((timer.ends - Date.now()) / 1000));
    if (left === timer.left) return;
    timer.left = left;
    clock.textContent = mmss(left);
    if (left === 0) {
      clearInterval(timer.interval);
      var then = timer.then;
      timer = null;
      cue();
      then();
    } else if (left % 10 === 0) {
      status.textContent = say("seconds_left", { time: spoken(left) });
    }
  }
  function pause() {
    if (!timer) return;
    timer.paused = true;
    timer.left = Math.max(0, Math.ceil((timer.ends - Date.now()) / 1000));
    status.textContent = text.paused;
    showMain(text.resume, resume);
  }
  function resume() {
    if (!timer) return;
    timer.paused = false;
    timer.ends = Date.now() + timer.left * 1000;
    status.textContent = text.resumed;
    showMain(text.pause, pause);
  }
  function stopClock() {
    if (timer) clearInterval(timer.interval);
    timer = null;
    clock.textContent = "";
  }
  function showMain(label, action) {
    main.textContent = label;
    main.onclick = action;
    main.hidden = false;
  }

  // --- One exercise ----------------------------------------------------------------------------------------
  var index = -1, ex = null;
  function field(card, name) { return card.querySelector("[name='" + name + "_" + card.dataset.item + "']"); }
  function setValue(card, name, value) {
    var input = field(card, name);
    if (!input) return;
    if (input.type === "checkbox") input.checked = value;
    else input.value = value;
  }

  function begin(i) {
    index = i;
    var card = cards[i];
    ex = {
      card: card,
      sets: +card.dataset.sets || 1,
      reps: +card.dataset.reps || 1,
      hold: +card.dataset.hold || 0,
      rest: +card.dataset.rest || 0,
      minutes: +card.dataset.minutes || 0,
      set: 1,
      rep: 0,
      setsDone: 0,
      seconds: 0,
    };
    cards.forEach(function (c) { c.hidden = c !== card; });
    var heading = card.querySelector(".card-title");
    heading.parentNode.insertBefore(panel, heading.nextSibling); // the controls first, then the picture and steps
    card.querySelector("fieldset.exercise-done").hidden = true;
    title.textContent = say("exercise_of", { number: i + 1, count: cards.length });
    next.hidden = finish.hidden = true;
    skip.hidden = stop.hidden = false;
    card.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "start" });
    title.focus({ preventScroll: true });
    stopClock();
    if (ex.minutes) {
      step.textContent = ex.sets > 1 ? say("round_of", { round: 1, rounds: ex.sets }) : "";
      showMain(say("start_timed", { time: mmss(ex.minutes * 60) }), timedRound);
    } else {
      step.textContent = say("set_rep", { set: 1, sets: ex.sets, rep: 0, reps: ex.reps });
      showMain(ex.hold ? say("start_hold", { time: ex.hold }) : text.rep_done, ex.hold ? holdRep : countRep);
    }
  }

  function timedRound() {
    var length = ex.minutes * 60;
    step.textContent = ex.sets > 1 ? say("round_of", { round: ex.set, rounds: ex.sets }) : "";
    countdown(length, text.timed_label, function () {
      ex.seconds += length;
      ex.setsDone += 1;
      afterSet(timedRound);
    });
  }

  function holdRep() {
    ex.rep += 1;
    step.textContent = say("set_rep", { set: ex.set, sets: ex.sets, rep: ex.rep, reps: ex.reps });
    countdown(ex.hold, text.hold_label, function () {
      if (ex.rep >= ex.reps) {
        ex.setsDone += 1;
        afterSet(holdRep);
      } else {
        status.textContent = say("relax_then", { rep: ex.rep + 1 });
        showMain(say("start_hold", { time: ex.hold }), holdRep);
      }
    });
  }

  function countRep() {
    ex.rep += 1;
    step.textContent = say("set_rep", { set: ex.set, sets: ex.sets, rep: ex.rep, reps: ex.reps });
    status.textContent = say("rep_counted", { rep: ex.rep, reps: ex.reps });
    if (ex.rep >= ex.reps) {
      ex.setsDone += 1;
      cue();
      afterSet(countRep);
    }
  }

  function afterSet(again) {
    if (ex.set >= ex.sets) return complete(false);
    ex.set += 1;
    ex.rep = 0;
    var resumeSet = function () {
      step.textContent = ex.minutes
        ? say("round_of", { round: ex.set, rounds: ex.sets })
        : say("set_rep", { set: ex.set, sets: ex.sets, rep: 0, reps: ex.reps });
      status.textContent = say("set_starts", { set: ex.set });
      if (ex.minutes) showMain(say("start_timed", { time: mmss(ex.minutes * 60) }), again);
      else showMain(ex.hold ? say("start_hold", { time: ex.hold }) : text.rep_done, again);
    };
    if (ex.rest) countdown(ex.rest, text.rest_label, resumeSet);
    else resumeSet();
  }

  // The exercise is over (done, or stopped): write what was done into the form and ask how it felt.
  function complete(stopped) {
    var card = ex.card;
    if (ex.minutes && timer && timer.label === text.timed_label) { // stopped part-way through a round
      var left = timer.paused ? timer.left : Math.max(0, Math.ceil((timer.ends - Date.now()) / 1000));
      ex.seconds += ex.minutes * 60 - left;
    }
    stopClock();
    var partialSet = !ex.minutes && ex.rep > 0 && ex.setsDone < ex.sets && stopped;
    setValue(card, "done", !stopped);
    setValue(card, "stopped", stopped);
    if (ex.minutes) {
      setValue(card, "minutes", Math.round(ex.seconds / 60));
      setValue(card, "sets", Math.max(ex.setsDone, ex.seconds ? 1 : 0));
    } else {
      setValue(card, "sets", partialSet ? ex.setsDone + 1 : ex.setsDone);
      setValue(card, "reps", partialSet && ex.setsDone === 0 ? ex.rep : ex.reps);
    }
    card.querySelector("fieldset.exercise-done").hidden = false;
    var feedback = card.querySelector("details.exercise-feedback");
    if (feedback) feedback.open = true;
    step.textContent = "";
    status.textContent = stopped ? text.stopped : text.exercise_done;
    main.hidden = skip.hidden = stop.hidden = true;
    (index + 1 < cards.length ? next : finish).hidden = false;
    var pain = field(card, "pain");
    if (pain) pain.focus();
  }

  function end() {
    stopClock();
    cards.forEach(function (c) {
      c.hidden = false;
      c.querySelector("fieldset.exercise-done").hidden = false;
    });
    panel.hidden = true;
    form.insertBefore(panel, form.firstChild);
    intro.hidden = false;
    afterwards.forEach(function (element) { element.hidden = false; });
    var finishCard = document.getElementById("finish-heading");
    finishCard.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "start" });
    finishCard.setAttribute("tabindex", "-1");
    finishCard.focus({ preventScroll: true });
  }

  skip.addEventListener("click", function () {
    stopClock();
    setValue(ex.card, "done", false);
    setValue(ex.card, "stopped", false);
    status.textContent = text.skipped;
    if (index + 1 < cards.length) begin(index + 1);
    else end();
  });
  stop.addEventListener("click", function () { complete(true); });
  next.addEventListener("click", function () { begin(index + 1); });
  finish.addEventListener("click", end);
  var intro = start.closest("[data-player-intro]");
  // While playing, the page shows the exercise at hand; the questions about the whole session wait for the end.
  var afterwards = [document.getElementById("finish-heading").closest("section"), form.querySelector("[type=submit]")];
  start.addEventListener("click", function () {
    unlockAudio();
    intro.hidden = true;
    afterwards.forEach(function (element) { element.hidden = true; });
    panel.hidden = false;
    begin(0);
  });
  intro.hidden = false;
})();
