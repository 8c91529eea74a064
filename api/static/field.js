/* /field on a phone. Every move (start, done with its photo, validate, reject) goes into
   an outbox on the phone (IndexedDB: photos are too big for localStorage) before it is
   sent, and stays there until the server has answered: a lost connection keeps the
   move, its note and its photo, and sending is tried again every 15 s and as soon as
   the phone is online. What is typed into a note is kept as it is typed. The list is
   read again when the server's work orders change and nothing is waiting or typed. */
(function () {
  "use strict";
  var RETRY_MS = 15000, POLL_MS = 30000;
  var status = document.getElementById("c3-field-connection");
  var dbReady = openDb();
  var sending = false, ordersVersion = null;
  var me = document.body.dataset.who || "";
  // C3's own refusals: retrying cannot change them (not this crew's job, already moved,
  // not a photo); anything else (a proxy's limit, a time-out, the server down) is tried again
  var REFUSED = [400, 403, 404, 409];

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("c3-field", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function outbox(mode, work) {
    return dbReady.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("outbox", mode);
        var result = work(tx.objectStore("outbox"));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  // the moves of the person signed in on this page (a shared phone keeps the others')
  function waiting() {
    return outbox("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.who === me; });
    });
  }

  function say(text, offline) {
    status.textContent = text;
    status.classList.toggle("c3-offline", !!offline);
  }

  function card(order) { return document.getElementById("job-" + order); }

  function cardSays(order, text, isError) {
    var el = card(order);
    var line = el && el.querySelector(".c3-job-status");
    if (!line) return;
    line.textContent = text;
    line.classList.toggle("c3-error", !!isError);
  }

  function draftKey(order, action) { return "c3-field-draft-" + order + "-" + action; }

  function send(item) {
    var body = new FormData();
    body.append("note", item.note || "");
    if (item.photo) body.append("photo", item.photo, "photo.jpg");
    if (item.crew) body.append("crew_id", item.crew);
    return fetch("/api/field/orders/" + item.order + "/" + item.action, {
      method: "POST", body: body, credentials: "same-origin",
    });
  }

  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    return waiting().then(function (items) {
      var chain = Promise.resolve(), left = items.length, lost = false;
      items.forEach(function (item) {
        chain = chain.then(function () {
          if (lost) return;
          return send(item).then(function (response) {
            if (!response.ok && REFUSED.indexOf(response.status) < 0) {
              lost = true;  // the server is down, a proxy refused, the sign-in ended: later
              return;
            }
            return response.json().catch(function () { return {}; }).then(function (answer) {
              left -= 1;
              if (response.ok) {
                localStorage.removeItem(draftKey(item.order, item.action));
                cardSays(item.order, "Sent: " + answer.label + ".");
              } else {  // refused for good (not allowed, already moved, not a photo)
                cardSays(item.order, "Not done: " + (answer.error || response.status), true);
              }
              return outbox("readwrite", function (s) { return s.delete(item.id); });
            });
          }, function () { lost = true; });
        });
      });
      return chain.then(function () {
        if (left > 0) {
          say(left + (left === 1 ? " move is" : " moves are") +
              " saved on this phone and will be sent when the connection is back.", true);
        } else {
          say(navigator.onLine ? "" : "Offline: moves are kept on this phone until it is back.",
              !navigator.onLine);
        }
        return left;
      });
    }).finally(function () { sending = false; });
  }

  function submitted(event) {
    event.preventDefault();
    var form = event.target, article = form.closest(".c3-job");
    var item = { order: article.dataset.order, action: form.dataset.action, at: Date.now(),
                 who: me };
    var note = form.querySelector("textarea");
    var photo = form.querySelector("input[type=file]");
    item.note = note ? note.value : "";
    item.photo = photo && photo.files[0] ? photo.files[0] : null;
    var crew = form.querySelector("select[name=crew_id]");
    item.crew = crew ? crew.value : "";
    if (item.action === "done" && !item.photo) {
      cardSays(item.order, "Take a photo of the fix first.", true);
      return;
    }
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    cardSays(item.order, "Sending…");
    outbox("readwrite", function (s) { return s.add(item); }).then(flush).then(function (left) {
      if (left === 0 && !document.querySelector(".c3-error")) setTimeout(reload, 800);
      else if (left > 0) cardSays(item.order, "Saved on this phone; it will be sent.");
    });
  }

  function reload() {
    var typing = document.activeElement && /^(TEXTAREA|INPUT)$/.test(document.activeElement.tagName);
    if (!typing) location.reload();
  }

  function keepDrafts() {
    document.querySelectorAll(".c3-job-form").forEach(function (form) {
      var order = form.closest(".c3-job").dataset.order, action = form.dataset.action;
      var note = form.querySelector("textarea");
      if (note) {
        note.value = localStorage.getItem(draftKey(order, action)) || "";
        note.addEventListener("input", function () {
          localStorage.setItem(draftKey(order, action), note.value);
        });
      }
      var photo = form.querySelector("input[type=file]");
      var preview = form.querySelector(".c3-job-preview");
      if (photo && preview) {
        photo.addEventListener("change", function () {
          if (!photo.files[0]) { preview.hidden = true; return; }
          var reader = new FileReader();
          reader.onload = function () { preview.src = reader.result; preview.hidden = false; };
          reader.readAsDataURL(photo.files[0]);
        });
      }
      form.addEventListener("submit", submitted);
    });
    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function watchOrders() {
    fetch("/api/version", { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (versions) {
      if (!versions) return;
      var now = versions.orders || 0;
      if (ordersVersion !== null && now !== ordersVersion) {
        waiting().then(function (items) { if (!items.length) reload(); });
      }
      ordersVersion = now;
    }).catch(function () {});
  }

  keepDrafts();
  flush();
  watchOrders();
  setInterval(flush, RETRY_MS);
  setInterval(watchOrders, POLL_MS);
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () {
    say("Offline: moves are kept on this phone until it is back.", true);
  });
})();
