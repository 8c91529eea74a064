/* /explore in the browser: the view's state (layers, opacity, filters, time, map view)
 * becomes the layers' `hideout` and the address bar; the time slider fetches the values
 * at its moment (/api/frame) and the layers restyle from them without reloading data. */
window.c3 = Object.assign({}, window.c3, {
  explore: (function () {
    const frames = {};  // epoch seconds -> {waste: {id: fill}, traffic: {id: ratio}}
    const order = [];  // frames kept, oldest first (a few hundred KB each at city scale)
    const KEEP = 48;
    const pending = new Set();  // layers waiting for a moment's values
    let state = {};
    // "lat,lon,zoom": as the address asked, then as the user moves the map
    let mapView = new URLSearchParams(window.location.search).get("view");

    // Equal hideouts whatever their keys' order.
    function canonical(value) {
      if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
      if (value && typeof value === "object") {
        return "{" + Object.keys(value).sort().map(
          (k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
      }
      return JSON.stringify(value === undefined ? null : value);
    }
    function same(a, b) { return canonical(a) === canonical(b); }

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

    // Where the readings of a moment are rolled up (store.retention), the label says so.
    const GRAINS = {15: "15-minute means", 60: "hourly means", 1440: "daily means"};
    function heldAs(frame) {
      const grain = frame && GRAINS[frame.grain];
      return grain ? " · " + grain : "";
    }

    return {
      // The frame the layers show (null = live): style functions read it.
      frameAt: function (at) { return at ? frames[at] || null : null; },

      // A layer drawn before its moment's values arrived: draw it again when they have.
      redrawWhenLoaded: function (at, context) {
        const key = at + ":" + JSON.stringify(context.id);
        if (pending.has(key) || !context.id) return;
        pending.add(key);
        loadFrame(at).then(() => {
          pending.delete(key);
          window.dash_clientside.set_props(context.id, {hideout: Object.assign({}, context.hideout)});
        }, () => pending.delete(key));
      },


      // Arguments in callbacks/explore.py's order: layers, opacity per layer, filters,
      // slider value and max, range, start, end, sources, hideout per layer, url per
      // overlay, and last the names (layouts/explore.py BROWSER_NAMES) that say how many.
      // Returns [checked per overlay, hideout per layer, url per overlay, moment label];
      // what did not change is no_update, because a new hideout or url redraws the layer.
      view: async function (layers, ...rest) {
        const NO = window.dash_clientside.no_update;
        const names = rest[rest.length - 1];
        const all = names.layers, withUrl = names.overlays, layerFilters = names.layer_filters;
        const nL = all.length, nF = names.filters.length, nU = withUrl.length;
        layers = layers || [];
        const ops = rest.slice(0, nL);
        const f = rest.slice(nL, nL + nF);
        const [at, max, range, start, end, sources] = rest.slice(nL + nF, nL + nF + 6);
        const hideouts = rest.slice(nL + nF + 6, nL + nF + 6 + nL);
        const urls = rest.slice(nL + nF + 6 + nL, nL + nF + 6 + nL + nU);
        const tz = (hideouts[0] || {}).tz || "UTC";
        const listed = {};  // filter -> the values chosen (none: all)
        names.filters.forEach((name, i) => { listed[name] = f[i] || []; });
        const live = at === null || at === undefined || max === null || at >= max;
        const moment = live ? null : at;
        let frameError = null;
        if (!live) {
          try { await loadFrame(moment); } catch (err) { frameError = err.message; }
        }
        const serverFiltered = (sources && sources.server_filtered) || names.server_filtered;
        const opacity = {};
        all.forEach((n, i) => { opacity[n] = ops[i] === undefined || ops[i] === null ? 1 : ops[i]; });
        // the filters the browser applies: those of the layers the server does not filter
        function browserFilter(n) {
          const filter = {};
          if (serverFiltered.includes(n)) return filter;
          for (const k of layerFilters[n] || []) filter[k] = listed[k];
          return filter;
        }
        const newHideouts = all.map((n, i) => {
          const next = Object.assign({}, hideouts[i] || {}, {
            tz: tz, theme: "light", filter: browserFilter(n), opacity: opacity[n],
            at: moment, status: listed.status, show: layers.includes(n),
          });  // with the status filter's values: every layer redraws when they change
          return same(next, hideouts[i]) ? NO : next;
        });
        const checked = withUrl.map((n) => layers.includes(n));
        const custom = range === "custom" && start && end;
        state = {
          layers: layers.join(","),
          op: all.filter((n) => opacity[n] < 1).map((n) => n + ":" + opacity[n]).join(","),
        };
        for (const name of names.filters) state[name] = listed[name].join(",");
        Object.assign(state, {
          range: range === "7d" ? null : range,
          start: custom ? start : null, end: custom ? end : null,
          at: moment,
        });
        writeUrl();
        trackView();
        // The view's moment and filters, for the layers filtered on the server.
        const view = {range: range || "7d"};
        if (custom) { view.start = start; view.end = end; }
        if (moment) view.at = moment;
        const clustered = (sources && sources.clustered) || [];
        const newUrls = withUrl.map((n, i) => {
          // a layer without a source (another department's data) never loads
          if (!sources || !sources[n]) return NO;
          let url = sources[n];
          if (serverFiltered.includes(n)) {
            const q = new URLSearchParams(names.timed.includes(n) ? view : {});
            for (const k of layerFilters[n]) if (listed[k].length) q.set(k, listed[k].join(","));
            const extra = q.toString();
            if (extra) url += "&" + extra;
          }
          if (clustered.includes(n)) {  // its data: the clusters of the map's view
            window.c3.clusters.show(n, names.layer_ids[n], layers.includes(n) ? url : null);
            return NO;
          }
          // a layer that is off loads when it is turned on
          if (!layers.includes(n) && !urls[i]) return NO;
          return url === urls[i] ? NO : url;
        });
        const label = frameError ? "Could not load that moment (" + frameError + ")"
          : live ? "Live · now" : formatMoment(moment, tz) + heldAs(frames[moment]);
        return [...checked, ...newHideouts, ...newUrls, label];
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

      /* The page's poll: a GET of /api/version each refresh_ms. The token it sets (the
       * data versions and the minute: a live view's window moves) wakes the slider, the
       * layers' sources and the table only when it moved, not at every tick. */
      tick: async function (_n, previous) {
        const dc = window.dash_clientside;
        let versions, now;
        try {
          const r = await fetch("/api/version", {cache: "no-store"});
          if (!r.ok) throw dc.PreventUpdate;
          versions = await r.json();
          now = Date.parse(r.headers.get("Date")) || Date.now();  // the server's minute
        } catch (e) {
          throw dc.PreventUpdate;  // the next tick asks again
        }
        const token = canonical(versions) + "@" + Math.floor(now / 60000);
        if (token === previous) throw dc.PreventUpdate;
        return token;
      },
    };
  })(),
});

// Dash finds clientside callbacks under window.dash_clientside.<namespace>.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  c3_explore: {
    view: window.c3.explore.view, play: window.c3.explore.play, tick: window.c3.explore.tick,
  },
});
