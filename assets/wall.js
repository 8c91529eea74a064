/* The wall's browser side: the data poll, scene rotation, the clock and the connection
 * heartbeat. All run here so that a wall costs the server one small GET a second between
 * data changes (/api/wall/tokens), and a tile's callback only when its domain moved.
 *
 * The poll's answers tell the connection's state: lost, back, or signed out. The heartbeat
 * asks /api/version only when no poll has answered for a beat (a wall polling slower than
 * that, or a poll stuck on the way), so a wall sends one request a second, not 1.2.
 * A wall learns that it is signed out (401: an admin revoked its
 * display, or its session ended): a full-screen notice then replaces the picture, which
 * would otherwise stand still and look live. The guard may say why ({"why": "revoked"});
 * a paired display (`via: device`, asked once from /auth/whoami) that is refused without
 * a reason was unpaired too: nothing else ends its session before a year is up. */
window.c3wall = (function () {
  const HEARTBEAT_MS = 5000;
  const POLL_GIVE_UP_MS = 10000;  // a poll unanswered this long is dropped for the next
  const UNPAIRED = "This display was unpaired by an admin: ask for a new pairing link";
  const ENDED = "This display's pairing has ended: ask for a new pairing link";
  const SIGNED_OUT = "Signed out: sign in again to show the wall";
  let offlineSince = null;
  let started = false;
  let paired = null;  // null until /auth/whoami has said how this wall is signed in
  let wallName = "";  // a paired display's name, to say which one needs a new link
  let answeredAt = 0;  // when a poll last heard from the server (or failed to)
  let ended = false;  // signed out: nothing brings this session back, stop asking

  function sceneBounds(scene, config) {
    const b = scene.bounds || config.bounds;  // [west, south, east, north]
    return [[b[1], b[0]], [b[3], b[2]]];
  }

  function heartbeat() {
    const root = document.getElementById("wall-root");
    if (ended) return;
    if (!root || Date.now() - answeredAt < HEARTBEAT_MS) {  // the poll said it already
      setTimeout(heartbeat, HEARTBEAT_MS);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), HEARTBEAT_MS - 1000);
    fetch("/api/version", {cache: "no-store", signal: controller.signal})
      .then(heard, () => heard(null))
      .finally(() => {
        clearTimeout(timer);
        setTimeout(heartbeat, HEARTBEAT_MS);
      });
  }

  /* What an answer (a Response, or null when none came) says about the connection. */
  function heard(response) {
    const root = document.getElementById("wall-root");
    const status = document.getElementById("wall-connection");
    if (!root || ended) return;
    if (paired === null && response && response.ok) learnHowSignedIn();  // the first ask failed
    if (response && response.status === 401) {
      ended = true;  // nothing brings this session back: only a new link or sign-in
      response.json().catch(() => ({})).then((body) => signedOut(root, body));
    } else if (response && response.ok) {
      online(root, status);
    } else {
      offline(root, status);
    }
  }

  function learnHowSignedIn() {
    paired = false;  // until it answers
    fetch("/auth/whoami", {cache: "no-store"})
      .then((r) => (r.ok ? r.json() : {}))
      .then((who) => { paired = who.via === "device"; wallName = paired ? who.name : ""; })
      .catch(() => { paired = null; });  // ask again at the next beat
  }

  function signedOut(root, body) {
    if (document.getElementById("wall-signed-out")) return;
    const why = body && body.why;
    const text = why === "revoked" || (paired && !why) ? UNPAIRED : paired ? ENDED : SIGNED_OUT;
    const notice = document.createElement("div");
    notice.id = "wall-signed-out";
    notice.className = "c3-wall-signed-out";
    notice.setAttribute("role", "alert");
    notice.dataset.why = why || (paired ? "unpaired" : "signed-out");
    const brand = document.createElement("div");
    brand.className = "c3-brand";
    brand.textContent = "C3";
    const title = document.createElement("h1");
    title.textContent = text;
    const when = document.createElement("p");
    const clock = document.getElementById("wall-clock");
    const tz = (clock && clock.dataset.tz) || undefined;  // the city's time, as the clock
    when.textContent = (wallName ? "“" + wallName + "” signed out at " : "Signed out at ") +
      new Date().toLocaleTimeString("en-GB", {timeZone: tz, timeZoneName: "short"}) +
      " — nothing on this screen is live any more.";
    notice.append(brand, title, when);
    if (!paired) {  // a person at a desk can sign in again; a wall cannot type
      const again = document.createElement("a");
      again.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      again.textContent = "Sign in";
      notice.append(again);
    }
    root.classList.add("c3-signed-out");
    document.body.append(notice);
  }

  function offline(root, status) {
    if (offlineSince === null) offlineSince = new Date();
    root.classList.add("c3-offline");
    if (status) {
      const clock = document.getElementById("wall-clock");
      const tz = (clock && clock.dataset.tz) || undefined;  // the city's time, as the clock
      status.textContent = "Connection lost at " +
        offlineSince.toLocaleTimeString("en-GB", {timeZone: tz}) + " — reconnecting…";
    }
  }

  function online(root, status) {
    if (offlineSince === null) return;
    offlineSince = null;
    root.classList.remove("c3-offline");
    if (status) status.textContent = "";
  }

  let inflight = null;  // the tokens' request under way, shared by the ticks that wait

  function fetchTokens() {
    if (ended) return Promise.resolve(null);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), POLL_GIVE_UP_MS);
    return fetch("/api/wall/tokens", {cache: "no-store", signal: controller.signal})
      .then((r) => { answeredAt = Date.now(); heard(r); return r.ok ? r.json() : null; })
      .catch(() => { answeredAt = Date.now(); heard(null); return null; })
      .finally(() => clearTimeout(timer));
  }

  /* Which domains' tokens moved since the wall last looked: the new token for those, no
   * update for the rest; nothing at all when none moved or the server cannot say (the
   * answer's status tells the operator about that). A tick while a request is under way waits
   * for that one's answer: the renderer keeps only the newest run of a callback, so an
   * answer slower than a tick must still reach it. */
  async function poll(_tick, ...seen) {
    const dc = window.dash_clientside;
    // read now: the renderer clears the context once this function's first part returns
    const domains = dc.callback_context.outputs_list.map((o) => o.id.replace("wall-token-", ""));
    if (!inflight) inflight = fetchTokens().finally(() => { inflight = null; });
    const tokens = await inflight;
    if (!tokens) throw dc.PreventUpdate;
    const fresh = domains.map((d, i) => (tokens[d] !== seen[i] ? tokens[d] : dc.no_update));
    if (fresh.every((t) => t === dc.no_update)) throw dc.PreventUpdate;
    return fresh;
  }

  return {
    poll: poll,

    start: function () {
      if (started) return;  // one heartbeat per page, never overlapping
      started = true;
      learnHowSignedIn();  // now, while the session the page was served to is surely good
      answeredAt = Date.now();  // the page itself was an answer: no beat before the first poll's
      setTimeout(heartbeat, HEARTBEAT_MS);
    },

    nextScene: function (_tick, index, config) {
      if (!config || config.pinned) return window.dash_clientside.no_update;
      return ((index || 0) + 1) % config.scenes.length;
    },

    applyScene: function (index, config) {
      const scene = config.scenes[index || 0];
      const layers = ["traffic", "waste", "complaints", "zones"];
      const checked = layers.map((l) => scene.layers.includes(l));
      const tiles = "c3-wall-tiles " + scene.tiles.map((t) => "c3-show-" + t).join(" ");
      const viewport = {bounds: sceneBounds(scene, config), transition: "fitBounds"};
      return [...checked, tiles, scene.title, scene.name, viewport];
    },

    clock: function (_tick, tz) {
      return new Intl.DateTimeFormat("en-GB", {
        timeZone: tz, weekday: "short", day: "2-digit", month: "short",
        hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
      }).format(new Date());
    },
  };
})();
window.c3wall.start();
