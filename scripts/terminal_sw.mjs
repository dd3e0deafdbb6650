// Builds the browser terminal's service worker with Workbox (npm:
// workbox-build) into static/vendor/terminal-sw.js (git-ignored). Called by
// scripts/vendor.sh after the packages are copied. It precaches the counter's
// scripts, styles and the files they import, each under a content hash, and
// keeps the page itself network-first, so the counter opens offline with the
// last version it was served.
import { generateSW } from "workbox-build";

const { count, size, warnings } = await generateSW({
  swDest: "static/vendor/terminal-sw.js",
  globDirectory: "static",
  globPatterns: ["ui/terminal/*.{js,svg}", "ui/app.css", "vendor/decimal.mjs", "vendor/idb.js", "vendor/htmx.min.js",
    "vendor/vazirmatn/Vazirmatn-Variable.woff2", "vendor/jalalidatepicker/*", "ui/app.js", "ui/dates.js"],
  modifyURLPrefix: { "": "/static/" },
  inlineWorkboxRuntime: true,
  mode: "production",
  sourcemap: false,
  skipWaiting: true,
  clientsClaim: true,
  cleanupOutdatedCaches: true,
  runtimeCaching: [{
    urlPattern: ({ request, url }) => request.mode === "navigate" && url.pathname.endsWith("/pos/terminal/"),
    handler: "NetworkFirst",
    options: { cacheName: "zargar-terminal-shell", networkTimeoutSeconds: 4, matchOptions: { ignoreVary: true, ignoreSearch: true } },
  }],
});
for (const warning of warnings) console.warn(`[terminal-sw] ${warning}`);
console.log(`[terminal-sw] ${count} files precached (${Math.round(size / 1024)} KiB)`);
