// /pulse, the public city pulse: every few minutes, fetch the page again and swap its
// figures in place, so a reader keeps their place (no reload, unlike a meta refresh,
// which axe-core and WCAG 2.2.1 refuse); a button pauses and resumes it (WCAG 2.2.2).
// Without this script the page is the same, only still: a reload shows the new figures.
(function () {
  "use strict";
  const every = Number(document.body.dataset.refreshS || 300) * 1000;
  const updates = document.getElementById("c3-pulse-updates");
  const button = document.getElementById("c3-pulse-pause");
  const SWAPPED = ["main", ".c3-pulse-stamp"]; // the figures and the page's "as of"
  let paused = false;
  let last = Date.now();

  async function update() {
    if (paused || document.hidden) return;
    last = Date.now();
    try {
      const answer = await fetch(window.location.href, { cache: "no-store" });
      if (!answer.ok) return; // unpublished or down: keep what is shown
      const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
      for (const selector of SWAPPED) {
        const shown = document.querySelector(selector);
        const now = fresh.querySelector(selector);
        if (shown && now) shown.replaceWith(document.importNode(now, true));
      }
    } catch (err) {
      // offline for a moment: try again at the next turn
    }
  }

  if (updates && button) {
    updates.hidden = false;
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", String(paused));
      if (!paused) update();
    });
  }
  window.setInterval(update, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && Date.now() - last >= every) update(); // back to a stale tab
  });
})();
