/* Point layers the server clusters (issue 17; services/clusters.py): for each, fetch what
 * the map's view holds at its zoom (/api/clusters/<layer>.geojson) and hand it to the
 * layer as its data, again whenever the view leaves what was fetched, the zoom changes
 * or the layer's filters and time do (assets/explore.js `view` gives the layer's URL).
 * The area asked is the view padded by a quarter on each side and snapped to 256-pixel
 * tiles, so a small pan asks nothing new; an answer that arrives after a newer question
 * is dropped. */
window.c3 = Object.assign({}, window.c3, {
  clusters: (function () {
    const PAD = 0.25;
    const TILE = 256;
    const layers = {};  // name -> {id, base (URL without the view), asked, seq}
    let map = null;  // the newest Leaflet map: the page's

    function watch(newMap) {
      map = newMap;
      for (const layer of Object.values(layers)) {  // a new page: drop answers, ask again
        layer.seq += 1;
        layer.asked = null;
      }
      newMap.on("moveend", () => { if (newMap === map) refreshAll(); });
      newMap.whenReady(() => { if (newMap === map) refreshAll(); });
    }
    if (window.L && L.Map) L.Map.addInitHook(function () { watch(this); });

    // The view in the world's pixels at `zoom`: [west x, north y, east x, south y].
    function viewPx(zoom) {
      const b = map.getBounds();
      const nw = map.project(b.getNorthWest(), zoom), se = map.project(b.getSouthEast(), zoom);
      return [nw.x, nw.y, se.x, se.y];
    }

    function padded(px) {
      const dx = (px[2] - px[0]) * PAD, dy = (px[3] - px[1]) * PAD;
      return [Math.floor((px[0] - dx) / TILE) * TILE, Math.floor((px[1] - dy) / TILE) * TILE,
              Math.ceil((px[2] + dx) / TILE) * TILE, Math.ceil((px[3] + dy) / TILE) * TILE];
    }

    function holds(outer, inner) {
      return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2]
        && outer[3] >= inner[3];
    }

    function refresh(layer) {
      if (!layer.base || !map || !map._loaded) return;
      const zoom = Math.floor(map.getZoom());
      const seen = viewPx(zoom);
      const asked = layer.asked;
      if (asked && asked.base === layer.base && asked.zoom === zoom && holds(asked.px, seen)) {
        return;
      }
      const px = padded(seen);
      const nw = map.unproject([px[0], px[1]], zoom), se = map.unproject([px[2], px[3]], zoom);
      const bbox = [nw.lng, se.lat, se.lng, nw.lat].map((v) => v.toFixed(6)).join(",");
      layer.asked = {base: layer.base, zoom: zoom, px: px};
      const seq = ++layer.seq;
      fetch(layer.base + "&zoom=" + zoom + "&bbox=" + bbox)
        .then((response) => {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then((data) => {
          if (seq === layer.seq) window.dash_clientside.set_props(layer.id, {data: data});
        })
        .catch((err) => {
          if (seq !== layer.seq) return;
          layer.asked = null;  // the next move asks again
          console.warn("clusters of " + layer.base + ": " + err.message);
        });
    }

    function refreshAll() { Object.values(layers).forEach(refresh); }

    return {
      // The layer `name` (component id `id`) shows what `base` serves (null: it is off).
      show: function (name, id, base) {
        const layer = layers[name] || (layers[name] = {seq: 0, asked: null});
        layer.id = id;
        if (layer.base !== base) {  // what is on its way answers another question
          layer.seq += 1;
          layer.asked = null;
        }
        layer.base = base;
        refresh(layer);
      },
    };
  })(),
});
