/* C3 map styling: functions referenced from Python as c3.map.<name> (dash-extensions
 * Namespace). Data arrives once by URL; colours and filters come from `hideout`, so a
 * style change never resends data. Citizen text is set with textContent, never as HTML. */
window.c3 = Object.assign({}, window.c3, {
  map: (function () {
    const FILL_CLASSES = [
      [0.95, "#b71c1c", "≥ 95 %"],
      [0.8, "#ef6c00", "80–95 %"],
      [0.5, "#f9a825", "50–80 %"],
      [0, "#2e7d32", "< 50 %"],
    ];
    const RATIO_CLASSES = [
      [3, "#6a1b1a", "stopped"],
      [1.8, "#d32f2f", "congested"],
      [1.25, "#f59f00", "slow"],
      [0, "#2f9e44", "free flow"],
    ];
    const NO_DATA = "#8a8f98";
    // the cross-domain signals' rules that have a shape of their own (assets/c3.css)
    const RULE_SHAPES = {sensor_disagrees: 1, full_unplanned: 1, road_problem: 1, stuck_sensor: 1};
    // Features currently on the map, per layer (read by the browser tests and benches).
    const onMap = {};

    // Screens larger than 1080p (4K walls) draw features proportionally larger.
    function uiScale() {
      return Math.max(1, Math.min(window.innerWidth / 1920, window.innerHeight / 1080));
    }

    function pick(classes, value) {
      if (value === null || value === undefined) return NO_DATA;
      for (const [min, colour] of classes) if (value >= min) return colour;
      return NO_DATA;
    }

    // `when`: ISO 8601 text or epoch seconds
    function formatTime(when, tz) {
      if (!when) return "no reading";
      when = new Date(typeof when === "number" ? when * 1000 : when);
      return new Intl.DateTimeFormat("en-GB", {
        timeZone: tz, day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit",
        timeZoneName: "short",
      }).format(when);
    }

    function popup(title, rows) {
      const box = document.createElement("div");
      box.className = "c3-popup";
      const head = document.createElement("div");
      head.className = "c3-popup-title";
      head.textContent = title;
      box.appendChild(head);
      for (const [label, value] of rows) {
        const line = document.createElement("div");
        const key = document.createElement("span");
        key.className = "c3-popup-key";
        key.textContent = label + ": ";
        const val = document.createElement("span");
        val.textContent = value === null || value === undefined ? "—" : String(value);
        line.append(key, val);
        box.appendChild(line);
      }
      return box;
    }

    function track(layer, name) {
      layer.on("add", () => {
        onMap[name] = (onMap[name] || 0) + 1;
        window.c3.map.instance = layer._map;  // for tests: project lat/lon to screen points
      });
      layer.on("remove", () => { onMap[name] = (onMap[name] || 1) - 1; });
    }

    function pct(v) { return v === null || v === undefined ? null : Math.round(v * 100) + " %"; }

    // A cluster: its count on a disc sized by `steps` (counts where it grows), as a marker.
    function clusterMarker(feature, latlng, context, steps, className, what) {
      const count = feature.properties.point_count;
      const size = (count < steps[0] ? 30 : count < steps[1] ? 38 : 46) * uiScale();
      return L.marker(latlng, {
        icon: L.divIcon({
          html: "<span>" + feature.properties.point_count_abbreviated + "</span>",
          className: className, iconSize: L.point(size, size),
        }),
        opacity: alpha(context), title: count + " " + what,
      });
    }

    function hideoutOf(context) { return (context && context.hideout) || {}; }

    // The layer's opacity (explore's sliders); 1 elsewhere.
    function alpha(context) {
      const o = hideoutOf(context).opacity;
      return o === undefined || o === null ? 1 : o;
    }

    // A feature's value at the time slider's moment (from /api/frame), else its live value.
    // A layer drawn before its moment's values arrived is drawn again once they have.
    function valueAt(layer, p, context, live) {
      const at = hideoutOf(context).at;
      if (!at) return live;
      const explore = window.c3.explore;
      const frame = explore && explore.frameAt(at);
      if (!frame) {
        if (explore) explore.redrawWhenLoaded(at, context);
        return null;
      }
      const v = frame[layer][p.id];
      return v === undefined ? null : v;
    }

    return {
      onMap: onMap,
      FILL_CLASSES: FILL_CLASSES,
      RATIO_CLASSES: RATIO_CLASSES,

      // Per-layer filters from hideout.filter: {property: [allowed values]}; empty = all.
      featureFilter: function (feature, context) {
        // clustered layers come filtered from the server; a cluster is what it counts
        if (feature.properties.cluster) return true;
        const hideout = hideoutOf(context);
        const filter = hideout.filter || {};
        for (const [prop, allowed] of Object.entries(filter)) {
          if (allowed && allowed.length && !allowed.includes(feature.properties[prop])) return false;
        }
        return true;
      },

      // The basemap can be switched off (explore): hideout.show === false hides it.
      basemapFilter: function (feature, context) { return hideoutOf(context).show !== false; },


      // A click on a feature reports which one (the side panel shows its history); a click
      // on a cluster the server made zooms in until it splits.
      featureClick: function (e, ctx) {
        const p = e.layer && e.layer.feature && e.layer.feature.properties;
        if (p && p.cluster && p.expansion_zoom) {
          e.layer._map.setView(e.layer.getLatLng(), p.expansion_zoom);
          return;
        }
        if (!p || p.cluster) return;
        ctx.setProps({clickData: {id: p.id, source: p.source || null,
                                  latlng: [e.latlng.lat, e.latlng.lng]}});
      },

      basemapStyle: function (feature, context) {
        const style = window.c3.map.basemapColours(feature, context);
        const a = alpha(context);
        if (a < 1) {
          style.opacity = (style.opacity === undefined ? 1 : style.opacity) * a;
          style.fillOpacity = (style.fillOpacity === undefined ? 0.2 : style.fillOpacity) * a;
        }
        return style;
      },

      basemapColours: function (feature, context) {
        if (context && context.hideout && context.hideout.theme === "dark") {
          switch (feature.properties.layer) {
            case "water": return {stroke: false, fillColor: "#1b2a3d", fillOpacity: 1};
            case "green": return {stroke: false, fillColor: "#1d2b22", fillOpacity: 1};
            case "building": return {color: "#2a2f3a", weight: 0.5, fillColor: "#232834", fillOpacity: 1};
            case "road-major": return {color: "#3a4150", weight: 5, opacity: 1};
            case "road-minor": return {color: "#323846", weight: 3, opacity: 1};
            default: return {color: "#2c3240", weight: 1, opacity: 0.8, dashArray: "2 3"};
          }
        }
        switch (feature.properties.layer) {
          case "water": return {stroke: false, fillColor: "#a9cce3", fillOpacity: 1};
          case "green": return {stroke: false, fillColor: "#cfe3c4", fillOpacity: 1};
          case "building": return {color: "#c9c3ba", weight: 0.5, fillColor: "#ddd8d0", fillOpacity: 1};
          case "road-major": return {color: "#ffffff", weight: 5, opacity: 1};
          case "road-minor": return {color: "#ffffff", weight: 3, opacity: 1};
          default: return {color: "#ffffff", weight: 1, opacity: 0.8, dashArray: "2 3"};
        }
      },

      zoneStyle: function (feature, context) {
        // a faint fill makes the whole zone clickable on /explore
        const a = alpha(context);
        if (hideoutOf(context).selected === feature.properties.id) {  // /collection: the picked zone
          return {color: "#1d2433", weight: 3 * uiScale(), dashArray: "10 6", fill: true,
                  fillOpacity: 0.07, opacity: 0.9};
        }
        return {color: "#3b4a6b", weight: 1.5, dashArray: "6 4", fill: true, fillOpacity: 0.04 * a,
                opacity: 0.6 * a};
      },

      zoneLabel: function (feature, layer) {
        track(layer, "zones");
        const label = document.createElement("span");
        label.textContent = feature.properties.name || feature.properties.id;  // names are data
        layer.bindTooltip(label, {sticky: true});
      },

      segmentStyle: function (feature, context) {
        const p = feature.properties;
        const major = ["primary", "secondary", "trunk", "motorway"].includes(p.road_class);
        const ratio = valueAt("traffic", p, context, p.ratio);
        return {color: pick(RATIO_CLASSES, ratio), weight: (major ? 5 : 3) * uiScale(),
                opacity: 0.9 * alpha(context), lineCap: "round"};
      },

      segmentPopup: function (feature, layer, context) {
        const p = feature.properties;
        const tz = context.hideout.tz;
        track(layer, "traffic");
        const at = hideoutOf(context).at;
        const ratio = valueAt("traffic", p, context, p.ratio);
        layer.bindPopup(() => popup(p.name, at ? [
          ["Travel time vs free flow", ratio === null ? null : "× " + ratio],
          ["Free-flow speed", p.freeflow_kmh + " km/h"],
          ["Road class", p.road_class],
          ["At", formatTime(new Date(at * 1000).toISOString(), tz)],
        ] : [
          ["Speed", p.speed_kmh === null ? null : p.speed_kmh + " km/h"],
          ["Free-flow speed", p.freeflow_kmh + " km/h"],
          ["Travel time vs free flow", p.ratio === null ? null : "× " + p.ratio],
          ["Road class", p.road_class],
          ["Observed", formatTime(p.observed_at, tz)],
        ]));
      },

      containerMarker: function (feature, latlng, context) {
        const p = feature.properties;
        if (p.cluster) return window.c3.map.containerCluster(feature, latlng, null, context);
        const a = alpha(context);
        return L.circleMarker(latlng, {
          radius: 6 * uiScale(), weight: 1.5 * uiScale(), color: "#1d2433",
          fillOpacity: 0.95 * a, opacity: a,
          fillColor: pick(FILL_CLASSES, valueAt("waste", p, context, p.fill)),
          className: "c3-container",
        });
      },

      containerCluster: function (feature, latlng, index, context) {
        return clusterMarker(feature, latlng, context, [100, 1000], "c3-cluster c3-cluster-waste",
                             "containers");
      },

      containerPopup: function (feature, layer, context) {
        const p = feature.properties;
        const tz = context.hideout.tz;
        track(layer, "waste");
        if (p.cluster) return;
        const at = hideoutOf(context).at;
        const fill = valueAt("waste", p, context, p.fill);
        layer.bindPopup(() => popup("Container " + p.id, at ? [
          ["Fill level", pct(fill)],
          ["Waste type", p.waste_type],
          ["Address", p.address],
          ["At", formatTime(new Date(at * 1000).toISOString(), tz)],
        ] : [
          ["Fill level", pct(p.fill)],
          ["Status", p.status],
          ["Waste type", p.waste_type],
          ["Capacity", p.capacity_l == null ? null : p.capacity_l + " L"],
          ["Address", p.address],
          ["Observed", formatTime(p.observed_at, tz)],
        ]));
      },

      // clusters the server made arrive as points (the browser's own go to complaintCluster)
      complaintMarker: function (feature, latlng, context) {
        if (feature.properties.cluster) {
          return window.c3.map.complaintCluster(feature, latlng, null, context);
        }
        const closed = feature.properties.status === "closed";
        return L.marker(latlng, {
          icon: L.divIcon({className: "c3-complaint" + (closed ? " c3-complaint-closed" : ""),
                           iconSize: [16 * uiScale(), 16 * uiScale()],
                           html: '<div class="c3-complaint-pin"></div>'}),
          keyboard: true, opacity: alpha(context),
          title: (feature.properties.service || "complaint") + (closed ? " (closed)" : ""),
        });
      },

      complaintCluster: function (feature, latlng, index, context) {
        return clusterMarker(feature, latlng, context, [10, 50], "c3-cluster", "complaints");
      },

      complaintPopup: function (feature, layer, context) {
        const p = feature.properties;
        if (p.cluster) { track(layer, "complaints"); return; }
        const tz = context.hideout.tz;
        track(layer, "complaints");
        layer.bindPopup(() => popup(p.service || "Complaint", [
          ["Request", p.id],
          ["Status", p.status],
          ["Filed", formatTime(p.requested_at, tz)],
          ["Address", p.address],
          ["Description", p.description],
        ]));
      },

      // /collection: routes (one colour per truck), numbered stops, containers left out
      routeStyle: function (feature) {
        return {color: feature.properties.colour, weight: 5 * uiScale(), opacity: 0.85};
      },

      routePopup: function (feature, layer) {
        const p = feature.properties;
        track(layer, "routes");
        layer.bindTooltip("Truck " + p.vehicle + " · " + p.stops + " stops · " + p.km + " km · "
          + p.minutes + " min", {sticky: true});
      },

      routeStop: function (feature, latlng) {
        const p = feature.properties;
        const size = (p.kind === "depot" ? 26 : 22) * uiScale();
        const mark = document.createElement("div");
        mark.className = "c3-stop-number" + (p.kind === "depot" ? " c3-stop-depot" : "");
        mark.style.background = p.kind === "depot" ? "#1d2433" : p.colour;
        mark.textContent = p.kind === "depot" ? "D" : String(p.seq);
        return L.marker(latlng, {
          icon: L.divIcon({className: "c3-stop", iconSize: [size, size], html: mark.outerHTML}),
          keyboard: true, zIndexOffset: p.kind === "depot" ? 1000 : 0,
          title: p.kind === "depot" ? "Depot" : "Truck " + p.vehicle + ", stop " + p.seq,
        });
      },

      routeStopPopup: function (feature, layer, context) {
        const p = feature.properties;
        track(layer, p.kind === "depot" ? "depot" : "stops");
        if (p.kind === "depot") { layer.bindPopup(() => popup("Depot", [["Trucks leave and return here", ""]])); return; }
        layer.bindPopup(() => popup("Truck " + p.vehicle + " · stop " + p.seq, [
          ["Arrival", formatTime(p.arrival, context.hideout.tz)],
          ["Containers", p.containers.join(", ")],
          ["Waste expected", p.litres + " L"],
        ]));
      },

      skippedMarker: function (feature, latlng) {
        const capacity = feature.properties.capacity;
        return L.circleMarker(latlng, {
          radius: (capacity ? 6 : 4) * uiScale(), weight: 1, color: "#5b6270",
          fillColor: capacity ? "#b71c1c" : "#8a8f98",
          fillOpacity: 0.6, className: "c3-skipped",
        });
      },

      skippedPopup: function (feature, layer) {
        const p = feature.properties;
        track(layer, "skipped");
        layer.bindPopup(() => popup("Container " + p.id + " · not collected", [
          ["Why", p.reason], ["Fill level now", pct(p.fill)],
        ]));
      },

      // /explore: the cross-domain signals now, one shape per rule (assets/c3.css), on top
      signalMarker: function (feature, latlng, context) {
        const p = feature.properties;
        const size = 22 * uiScale();
        return L.marker(latlng, {
          icon: L.divIcon({className: "c3-signal", iconSize: [size, size],
                           html: '<div class="c3-signal-mark c3-signal-' + (RULE_SHAPES[p.rule]
                             ? p.rule : "other") + '"></div>'}),
          keyboard: true, opacity: alpha(context), zIndexOffset: 1000,
          title: "Signal: " + p.title + " · " + p.feature_id,
        });
      },

      signalPopup: function (feature, layer, context) {
        const p = feature.properties;
        track(layer, "signals");
        layer.bindPopup(() => popup(p.title, [
          ["About", p.feature_id],
          ["Place", p.place],
          ["Since", formatTime(p.since, hideoutOf(context).tz)],
          ["Evidence", p.evidence],
          ["Requests", p.requests && p.requests.length ? p.requests.join(", ") : null],
        ]), {className: "c3-signal-popup", maxWidth: 360 * uiScale()});
      },

      hotspotStyle: function (feature, context) {
        const share = feature.properties.share;
        const colour = share >= 0.75 ? "#8c1d13" : share >= 0.4 ? "#e34a33"
          : share >= 0.15 ? "#f59e6c" : "#fde0c5";
        const a = alpha(context);
        return {color: "#7a2a12", weight: 1, opacity: 0.7 * a, fillColor: colour,
                fillOpacity: 0.6 * a};
      },

      hotspotTooltip: function (feature, layer) {
        const p = feature.properties;
        track(layer, "hotspots");
        layer.bindTooltip(p.requests + (p.requests === 1 ? " request" : " requests")
          + " · median " + p.median_days + " days open", {sticky: true});
        layer.on("mouseover", () => layer.setStyle({weight: 3}));
        layer.on("mouseout", () => layer.setStyle({weight: 1}));
      },
    };
  })(),
});
