// Live word count and Flesch reading ease in the article editor (the server computes the same on load).
// Admin media load in <head>, so wait for the form.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var body = document.querySelector("textarea.article-body-input");
  var box = document.querySelector("[data-content-checks]");
  if (!body || !box) { return; }
  var words = box.querySelector("[data-word-count]");
  var flesch = box.querySelector("[data-flesch]");
  var band = box.querySelector("[data-flesch-band]");

  function syllables(word) {
    word = word.toLowerCase().replace(/^['’]+|['’]+$/g, "");
    if (!word) { return 0; }
    var count = (word.match(/[aeiouy]+/g) || []).length;
    if (/e$/.test(word) && !/(le|ee)$/.test(word) && count > 1) { count -= 1; }
    return Math.max(count, 1);
  }

  function bandFor(score) {
    if (score >= 70) { return "easy to read"; }
    if (score >= 60) { return "plain English"; }
    if (score >= 50) { return "fairly difficult"; }
    return "difficult";
  }

  function update() {
    var text = body.value
      .replace(/\{\{[^}]*\}\}|^:::.*$|[#*_`>|~\[\]()-]/gm, " ")
      .replace(/exercise:\S+|https?:\/\/\S+/g, " ");
    var list = text.match(/[A-Za-z0-9’']+/g) || [];
    words.textContent = String(list.length);
    if (!list.length) { flesch.textContent = "—"; band.textContent = "no text yet"; return; }
    var sentences = text.split(/[.!?]+(?:\s|$)|\n\s*\n/).filter(function (s) { return /[A-Za-z0-9]/.test(s); }).length || 1;
    var total = list.reduce(function (sum, w) { return sum + syllables(w); }, 0);
    var score = 206.835 - 1.015 * (list.length / sentences) - 84.6 * (total / list.length);
    flesch.textContent = (Math.round(score * 10) / 10).toFixed(1);
    band.textContent = bandFor(score);
  }

  body.addEventListener("input", update);
});
