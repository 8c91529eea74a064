/* The wall's browser side: scene rotation, the clock and the connection heartbeat.
 * All run here so that a wall costs the server nothing between data changes. */
window.c3wall = (function () {
  const HEARTBEAT_MS = 5000;
  let offlineSince = null;
  let started = false;

  function sceneBounds(scene, config) {
    const b = scene.bounds || config.bounds;  // [west, south, east, north]
    return [[b[1], b[0]], [b[3], b[2]]];
  }

  function heartbeat() {
    const root = document.getElementById("wall-root");
    if (!root) { setTimeout(heartbeat, HEARTBEAT_MS); return; }
    const status = document.getElementById("wall-connection");
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), HEARTBEAT_MS - 1000);
    fetch("/api/version", {cache: "no-store", signal: controller.signal})
      .then((r) => { if (!r.ok) throw new Error(r.status); online(root, status); })
      .catch(() => offline(root, status))
      .finally(() => { clearTimeout(timer); setTimeout(heartbeat, HEARTBEAT_MS); });
  }

  function offline(root, status) {
    if (offlineSince === null) offlineSince = new Date();
    root.classList.add("c3-offline");
    if (status) {
      status.textContent = "Connection to C3 lost at " +
        offlineSince.toLocaleTimeString("en-GB") + " — reconnecting…";
    }
  }

  function online(root, status) {
    if (offlineSince === null) return;
    offlineSince = null;
    root.classList.remove("c3-offline");
    if (status) status.textContent = "";
  }

  return {
    start: function () {
      if (started) return;  // one heartbeat per page, never overlapping
      started = true;
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
