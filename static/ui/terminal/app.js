// The browser counter as a POS terminal (docs/sync-protocol.md, "The
// browser terminal"). Every sale goes into the local journal first and is
// pushed from there, online or not: one path.
import { taxRules } from "./pricing.js";
import { currentDeviceId, deviceOpen, deviceSave } from "./store.js";
import { DeviceRevoked, Refused, Sync, Unavailable, backoffDelay, enroll } from "./sync.js";
import { signIn } from "./signin.js";
import { cartShow, checkout, counterInit, journalShow, rateNow } from "./counter.js";
import { $, T, age, linkButton, number, say, warn } from "./ui.js";

const SYNC_EVERY_MS = 15_000;

const state = { store: null, device: null, sync: null, cashier: null, rules: null, rates: [], cart: null,
  online: navigator.onLine, skew: 0, attempt: 0, timer: null, syncing: false, again: false, checkingOut: false, receiptSeq: null };

// -- start ------------------------------------------------------------------

async function start() {
  const script = $("terminal-script");
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: script.dataset.scope }).catch(() => {});
    // The first visit is not controlled by the worker yet: keep this page for opening offline.
    navigator.serviceWorker.ready.then(() => caches.open("zargar-terminal-shell")).then((cache) => cache.add(location.pathname)).catch(() => {});
  }
  await storageCheck();
  const deviceId = await currentDeviceId();
  if (!deviceId) {
    Object.assign($("status-line"), { textContent: T.not_enrolled });
    $("status-line").dataset.state = "not_enrolled";
    return show("enrol");
  }
  await deviceUse(deviceId);
}

async function deviceUse(deviceId) {
  state.store = await deviceOpen(deviceId);
  state.device = await state.store.meta("device");
  state.sync = new Sync(state.store, state.device);
  $("terminal-name").textContent = state.device.name || state.device.receipt_prefix;
  await catalogueLoad();
  $("device-tools").hidden = false;
  if (await state.store.meta("revoked_at")) { show("enrol"); warn("revoked", T.revoked); }
  else {
    const cashier = sessionStorage.getItem(`cashier:${deviceId}`);
    if (cashier) signedIn(JSON.parse(cashier)); else show("signin");
    syncSoon(0);
  }
  setInterval(statusShow, 2000);
  await statusShow();
}

function show(section) {
  for (const id of ["enrol", "signin", "counter"]) $(id).hidden = id !== section;
  const focus = { enrol: "#enrol-form input", signin: "#signin-form input", counter: "#scan-code" }[section];
  document.querySelector(focus)?.focus();
}

async function storageCheck() {
  if (!navigator.storage) return;
  const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
  const granted = persisted || (navigator.storage.persist ? await navigator.storage.persist() : false);
  if (!granted) warn("persist", T.persist_refused);
  if (navigator.storage.estimate) {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    if (quota && usage / quota > 0.8) warn("quota", say("quota_low", { used: `${number(Math.round(usage / 1e6))} MB`, quota: `${number(Math.round(quota / 1e6))} MB` }));
  }
}

// -- enrolment and sign-in --------------------------------------------------

$("enrol-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  let code = form.code.value.trim();
  try { const qr = JSON.parse(code); if (qr && qr.code) code = qr.code; } catch { /* typed, not the QR text */ }
  $("enrol-error").textContent = "";
  form.querySelector("button").disabled = true;
  try {
    const enrolled = await enroll({ code, name: form.name.value.trim() });
    await deviceSave({ ...enrolled, name: form.name.value.trim() });
    location.reload();
  } catch (error) {
    $("enrol-error").textContent = error instanceof Unavailable ? T.no_server
      : error.code === "enrollment_code_invalid" ? T.code_invalid : error.message;
  } finally { form.querySelector("button").disabled = false; }
});

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("signin-error").textContent = "";
  const outcome = await signIn(state.store, form.email.value.trim().toLowerCase(), form.password.value);
  form.password.value = "";
  if (outcome.ok) { sessionStorage.setItem(`cashier:${state.device.device_id}`, JSON.stringify(outcome.cashier)); signedIn(outcome.cashier); }
  else $("signin-error").textContent = outcome.reason === "never_here" ? T.never_here : T.wrong_login;
});

function signedIn(cashier) {
  state.cashier = cashier;
  const out = linkButton(T.sign_out, () => { sessionStorage.removeItem(`cashier:${state.device.device_id}`); location.reload(); });
  $("cashier").replaceChildren(`${T.cashier}: ${cashier.email} `, out);
  show("counter");
  cartShow();
  journalShow();
}

// -- the catalogue --------------------------------------------------------------

async function catalogueLoad() {
  const rule = await state.store.meta("tax_rule");
  try { state.rules = rule ? taxRules(rule) : null; } catch { state.rules = null; }
  state.rates = await state.store.all("gold_rates");
}

/** After every journal write: the status first (never "All synced" with an entry waiting), then a push. */
async function journalled() {
  await statusShow();
  journalShow();
  syncSoon(0);
}

// -- sync: pushed and pulled in the background, with backoff -----------------

function syncSoon(ms = SYNC_EVERY_MS) {
  clearTimeout(state.timer);
  state.timer = setTimeout(syncOnce, ms);
}

async function syncOnce() {
  if (state.syncing) { state.again = true; return; }
  state.syncing = true;
  let next = SYNC_EVERY_MS;
  try {
    const status = await state.sync.status();
    state.skew = status.clock_skew_seconds || 0;
    const pushed = await state.sync.push();
    const pullStarted = performance.now();
    await state.sync.pull();
    performance.measure("zargar:pull", { start: pullStarted });
    await catalogueLoad();
    state.online = true;
    state.attempt = 0;
    warn("push", null);
    if (pushed !== null) await state.store.metaSet({ last_sync_at: new Date().toISOString() });
    else next = 1000;  // another tab of this browser is pushing: look again soon
  } catch (error) {
    if (error instanceof DeviceRevoked) {
      await state.store.metaSet({ revoked_at: new Date().toISOString() });
      warn("revoked", T.revoked);
      show("enrol");
      $("counter").hidden = true;
      state.syncing = false;
      return;  // a revoked device never pushes again
    }
    state.online = !(error instanceof Unavailable && !error.wait);
    if (error instanceof Refused) warn("push", say("push_refused", { code: error.code, message: error.message }));
    next = 1000 * (error instanceof Unavailable && error.wait !== null ? error.wait : backoffDelay(state.attempt));
    state.attempt += 1;
  } finally {
    state.syncing = false;
  }
  await journalShow();
  await statusShow();
  if (state.again) { state.again = false; next = 0; }
  syncSoon(next);
}
window.addEventListener("online", () => { state.attempt = 0; syncSoon(0); });
window.addEventListener("offline", () => { state.online = false; statusShow(); });

async function statusShow() {
  if (!state.store) return;
  const store = state.store;
  const [pending, lastSync, limits, flagged] = await Promise.all([
    store.pending(Infinity), store.meta("last_sync_at"), store.meta("limits"), store.flaggedCount()]);
  const online = state.online && navigator.onLine;
  const pulled = Boolean(await store.meta("last_pull_at"));  // no full catalogue before the first pull has ended
  const now = !online ? "offline" : pending.length ? "pending" : !pulled ? "loading" : "synced";
  const line = $("status-line");
  line.textContent = { offline: T.offline, pending: T.online, loading: T.loading, synced: T.all_synced }[now];
  line.className = `badge ${{ offline: "bad", synced: "ok" }[now] || ""}`;
  line.dataset.state = now;
  $("status-pending").textContent = pending.length ? say("pending", { count: number(pending.length) }) : "";
  $("status-pending").dataset.count = pending.length;
  const oldest = pending.length ? Date.now() - Date.parse(pending[0].occurred_at) : 0;
  $("status-oldest").textContent = pending.length ? say("oldest", { age: age(oldest) }) : "";
  $("status-last").textContent = lastSync ? say("last_sync", { age: age(Date.now() - Date.parse(lastSync)) }) : T.never_synced;
  $("status-conflicts").textContent = flagged ? say("conflicts", { count: number(flagged) }) : "";
  $("status-conflicts").dataset.count = flagged;
  const hours = Number((limits || {}).max_offline_hours || 72);
  warn("offline_long", pending.length && oldest > 0.75 * hours * 3600_000 ? say("offline_long", { age: age(oldest), hours: number(hours) }) : null);
  const rate = rateNow();
  const maxAge = Number(((await store.meta("tax_rule")) || {}).gold_rate_max_age_hours || 0);
  if (!rate) warn("rate", pulled ? T.no_rate : null);  // before the first pull, no rate is no news
  else warn("rate", maxAge && Date.now() - Date.parse(rate.effective_at) > maxAge * 3600_000 ? say("rate_stale", { age: age(Date.now() - Date.parse(rate.effective_at)) }) : null);
  const [items, customers, nextSeq] = await Promise.all([store.countOf("items"), store.countOf("customers"), store.meta("next_seq")]);
  $("device-facts").dataset.items = items;
  $("device-facts").textContent = say("storage", { items: number(items), customers: number(customers), receipt: `${state.device.receipt_prefix}-${String(nextSeq).padStart(6, "0")}` });
}

// -- the journal as a file, for a manager ---------------------------------------

$("export-button").addEventListener("click", async () => {
  const file = await state.store.exportUnsent();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 1)], { type: "application/json" }));
  link.download = `zargar-journal-${state.device.receipt_prefix}-${new Date().toISOString().slice(0, 10)}.json`;
  link.click();
  $("device-message").textContent = say("exported", { count: number(file.operations.length) });
});

$("import-file").addEventListener("change", async (event) => {
  const [file] = event.target.files;
  if (!file) return;
  try {
    const count = await state.store.importUnsent(JSON.parse(await file.text()));
    $("device-message").textContent = say("imported", { count: number(count) });
    $("device-message").dataset.count = count;
    await journalled();
  } catch {
    $("device-message").textContent = T.bad_file;
  }
  event.target.value = "";
});

// -- keys: the counter's shortcuts; F9 and Ctrl+Enter check out -------------------

counterInit(state, journalled);
document.addEventListener("keydown", (event) => {
  const focus = { F2: "scan-code", F3: "customer-q", F4: "tradein-weight", F6: "payment-amount" }[event.key];
  if (focus) { event.preventDefault(); $(focus).focus(); return; }
  if (event.key === "F9" || (event.key === "Enter" && (event.ctrlKey || event.metaKey))) { event.preventDefault(); checkout(); }
});

start();
