/* /explore in the browser: the view's state (layers, opacity, filters, time, map view)
 * becomes the layers' `hideout` and the address bar; the time slider fetches the values
 * at its moment (/api/frame) and the layers restyle from them without reloading data. */
window.c3 = Object.assign({}, window.c3, {
  explore: (function () {
    const frames = {};  // epoch seconds -> {waste: {id: fill}, traffic: {id: ratio}}
    const order = [];  // frames kept, oldest first (a few hundred KB each at city scale)
    const KEEP = 48;
    let state = {};
    let mapView = null;  // "lat,lon,zoom" once the user has moved the map

    async function loadFrame(at) {
      if (frames[at]) return frames[at];
      const response = await fetch("/api/frame?at=" + at);
      if (!response.ok) throw new Error("frame " + at + ": HTTP " + response.status);
      frames[at] = await response.json();
      order.push(at);
      while (order.length > KEEP) delete frames[order.shift()];
      return frames[at];
    }

    function writeUrl() {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(state)) {
        if (value !== null && value !== undefined && value !== "") params.set(key, value);
      }
      if (mapView) params.set("view", mapView);
      const query = params.toString().replace(/%2C/g, ",").replace(/%3A/g, ":");
      if (window.location.search !== "?" + query) {
        window.history.replaceState(window.history.state, "", "?" + query);
      }
    }

    // Keep the map's view in the address bar once the map is there.
    function trackView() {
      const map = window.c3.map && window.c3.map.instance;
      if (!map || map._c3ViewTracked) return;
      map._c3ViewTracked = true;
      map.on("moveend", () => {
        const c = map.getCenter();
        mapView = [c.lat.toFixed(5), c.lng.toFixed(5), map.getZoom()].join(",");
        writeUrl();
      });
    }

    function formatMoment(at, tz) {
      return new Intl.DateTimeFormat("en-GB", {
        timeZone: tz, weekday: "short", day: "2-digit", month: "short", hour: "2-digit",
        minute: "2-digit", timeZoneName: "short",
      }).format(new Date(at * 1000));
    }

    return {
      frames: frames,

      // The frame the layers show (null = live): style functions read it.
      frameAt: function (at) { return at ? frames[at] || null : null; },


      // Arguments in callbacks/explore.py's order: layers, opacity x6, filters x5, slider
      // value and max, range, start, end, complaints url, hideout x6, hotspots url.
      // Returns [checked x5, hideout x6, hotspots url, moment label].
      view: async function (layers, ...rest) {
        const NO = window.dash_clientside.no_update;
        layers = layers || [];
        const ops = rest.slice(0, 6);
        const f = rest.slice(6, 11);
        const [at, max, range, start, end, requestsUrl] = rest.slice(11, 17);
        const hideouts = rest.slice(17, 23);
        const hotspotsUrl = rest[23];
        const tz = (hideouts[0] || {}).tz || "UTC";
        const names = ["traffic", "waste", "complaints", "hotspots", "zones", "basemap"];
        const [zone, wasteType, roadClass, service, status] = f.map((v) => v || []);
        const live = at === null || at === undefined || max === null || at >= max;
        const moment = live ? null : at;
        let frameError = null;
        if (!live) {
          try { await loadFrame(moment); } catch (err) { frameError = err.message; }
        }
        const opacity = {};
        names.forEach((n, i) => { opacity[n] = ops[i] === undefined ? 1 : ops[i]; });
        const perLayer = {
          traffic: {zone: zone, road_class: roadClass},
          waste: {zone: zone, waste_type: wasteType},
          complaints: {zone: zone, service: service},
          hotspots: {},
          zones: {},
          basemap: {},
        };
        const newHideouts = names.map((n, i) => Object.assign({}, hideouts[i] || {}, {
          tz: tz, theme: "light", filter: perLayer[n], opacity: opacity[n],
          at: moment, status: status, show: layers.includes(n),
        }));
        const checked = ["traffic", "waste", "complaints", "zones", "hotspots"].map(
          (n) => layers.includes(n));
        const custom = range === "custom" && start && end;
        state = {
          layers: layers.join(","),
          op: names.filter((n) => opacity[n] < 1).map((n) => n + ":" + opacity[n]).join(","),
          zone: zone.join(","), waste_type: wasteType.join(","), road_class: roadClass.join(","),
          service: service.join(","), status: status.join(","),
          range: range === "7d" ? null : range,
          start: custom ? start : null, end: custom ? end : null,
          at: moment,
        };
        writeUrl();
        trackView();
        let url = NO;
        if (layers.includes("hotspots")) {
          const v = (new URLSearchParams((requestsUrl || "").split("?")[1] || "")).get("v");
          const q = new URLSearchParams({range: range || "7d", v: v || "0"});
          if (custom) { q.set("start", start); q.set("end", end); }
          if (moment) q.set("at", moment);
          for (const [k, vals] of [["zone", zone], ["service", service], ["status", status]]) {
            if (vals.length) q.set(k, vals.join(","));
          }
          url = "/api/hotspots.geojson?" + q.toString();
          if (url === hotspotsUrl) url = NO;
        }
        const label = frameError ? "Could not load that moment (" + frameError + ")"
          : live ? "Live · now" : formatMoment(moment, tz);
        return [...checked, ...newHideouts, url, label];
      },

      // Play: advance the slider one step per tick; stop at the range's end.
      play: function (_clicks, _ticks, value, min, max, step, stopped) {
        const trigger = window.dash_clientside.callback_context.triggered_id;
        const NO = window.dash_clientside.no_update;
        if (trigger === "explore-play") {
          if (!stopped) return [NO, true, "▶ Play"];
          const from = value >= max ? min : value;
          return [from, false, "❚❚ Pause"];
        }
        const next = Math.min(value + step, max);
        return next >= max ? [max, true, "▶ Play"] : [next, NO, NO];
      },
    };
  })(),
});

// Dash finds clientside callbacks under window.dash_clientside.<namespace>.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  c3_explore: {view: window.c3.explore.view, play: window.c3.explore.play},
});
