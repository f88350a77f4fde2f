// Offline use. Registers the service worker (which keeps a copy of today's routine), and lets a form marked
// data-offline-queue be saved on this device while there is no connection, then sends it when the connection
// returns. Each form carries a one-time token, so a copy sent twice (a retry, two open tabs) is recorded once by
// the server. The queue is kept per user: on a shared device nobody sends another person's answers.
//
// Nothing here claims that anyone has been told: while a form waits on this device the page says so, and
// with red-flag symptoms ticked it says plainly that nobody at the clinic knows yet and what to do now.
(function () {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(function () {});
  var form = document.querySelector("form[data-offline-queue]");
  if (!form || !window.localStorage) return;
  var key = "offline-forms-" + form.getAttribute("data-offline-queue");
  var queued = document.querySelector("[data-offline-queued]");
  var redFlags = document.querySelector("[data-offline-red-flags]");
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function store(entries) {
    if (entries.length) localStorage.setItem(key, JSON.stringify(entries));
    else localStorage.removeItem(key);
  }
  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function show(entries) {
    queued.hidden = !entries.length;
    redFlags.hidden = !entries.some(function (entry) { return entry.redFlags; });
    if (entries.length) (redFlags.hidden ? queued : redFlags).focus();
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return; // online: the ordinary post, and the server's answer
    event.preventDefault();
    var data = new FormData(form);
    var entries = load();
    entries.push({
      action: form.action || location.href,
      body: new URLSearchParams(data).toString(),
      redFlags: data.getAll("red_flags").some(function (flag) { return flag !== "none"; }),
      savedAt: Date.now(),
    });
    store(entries);
    tokenInput.value = newToken(); // another session from this page is another session
    show(entries);
  });

  // Send the oldest waiting form. The server's answer replaces this page: the saved session, or the form with
  // what needs correcting (and what was typed). If it never arrives, the copy stays here and is sent again.
  function send() {
    var entries = load();
    if (sending || !entries.length || !navigator.onLine) return;
    sending = true;
    var entry = entries[0];
    var body = new URLSearchParams(entry.body);
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]");
    if (csrf) body.set("csrfmiddlewaretoken", csrf.value); // the current one, in case a login renewed it
    fetch(entry.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }).then(function (response) {
      var loggedOut = response.redirected && response.url.indexOf("/accounts/login/") !== -1;
      if (!response.ok || loggedOut) { sending = false; return; } // kept: sent again once logged in
      store(load().filter(function (other) { return other.body !== entry.body; }));
      if (response.redirected) { location.assign(response.url); return; }
      return response.text().then(function (html) {
        document.open();
        document.write(html);
        document.close();
      });
    }).catch(function () { sending = false; });
  }

  // This page may be the copy kept offline, whose form token a waiting session already carries: a session logged
  // from it now is another session, so it gets a token of its own.
  var tokenInput = form.querySelector("[name=token]");
  if (load().some(function (entry) { return new URLSearchParams(entry.body).get("token") === tokenInput.value; })) {
    tokenInput.value = newToken();
  }
  show(load());
  window.addEventListener("online", send);
  send();
})();
