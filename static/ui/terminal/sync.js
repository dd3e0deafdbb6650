// The browser terminal speaking sync protocol v1 (docs/sync-protocol.md):
// enrol, handshake, pull by cursor, push the journal.
//
// Retries are safe by construction, as in the reference terminal
// (pos_terminal/client.py): an operation keeps its seq and op_id for life,
// and the server answers one it already has with `duplicate` and the stored
// result. So a push is retried whenever its outcome is unknown (no answer, a
// 5xx, a dropped response), after an exponential backoff with full jitter,
// or after the server's Retry-After.
//
// One push at a time per device, across tabs and windows: a push runs only
// under the Web Lock "zargar-push:<device id>".
const API = "/api/pos/v1";
const BASE_SECONDS = 0.5;
const CAP_SECONDS = 60;

export class DeviceRevoked extends Error {}
export class Refused extends Error {
  constructor(status, code, message) { super(message || code); this.status = status; this.code = code; }
}
/** The server could not be reached, or answered "later": `wait` is its Retry-After, in seconds. */
export class Unavailable extends Error {
  constructor(message, wait = null) { super(message); this.wait = wait; }
}

/** Seconds before retry number `attempt` (0 first): uniform in [0, min(cap, base * 2^attempt)]. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(CAP_SECONDS, BASE_SECONDS * 2 ** Math.min(attempt, 30));
  return random() * ceiling;
}

/** Seconds from a Retry-After header (seconds or an HTTP date), within [0, 300]; null when absent. */
export function retryAfterSeconds(header) {
  if (!header) return null;
  let seconds = Number(header);
  if (!Number.isFinite(seconds)) {
    const when = Date.parse(header);
    if (Number.isNaN(when)) return null;
    seconds = (when - Date.now()) / 1000;
  }
  return Math.max(0, Math.min(300, seconds));
}

async function call(method, path, { token = null, body = null, query = null } = {}) {
  const headers = { Accept: "application/json", "X-Device-Time": new Date().toISOString() };
  if (token) headers.Authorization = `Device ${token}`;
  if (body !== null) headers["Content-Type"] = "application/json";
  const url = `${API}${path}${query ? `?${new URLSearchParams(query)}` : ""}`;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === null ? null : body, cache: "no-store", credentials: "omit" });
  } catch (error) {
    throw new Unavailable(`no answer from the server (${error.message})`);
  }
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  const error = (data && data.error) || {};
  if (response.status === 401) {
    if (error.code === "device_revoked") throw new DeviceRevoked(error.message || "this device was revoked");
    throw new Refused(401, error.code || "not_authenticated", error.message);
  }
  if (response.status >= 500 || response.status === 429 || (response.status === 409 && error.code === "sync_in_progress")) {
    throw new Unavailable(`HTTP ${response.status} ${error.code || ""}`.trim(), retryAfterSeconds(response.headers.get("Retry-After")));
  }
  if (data === null) throw new Unavailable(`HTTP ${response.status} without a JSON body`);
  if (!response.ok) throw new Refused(response.status, error.code || `http_${response.status}`, error.message);
  return data;
}

/** Trades a one-time enrolment code for a device identity and token (never retried: a code is single use). */
export function enroll({ code, name }) {
  const body = JSON.stringify({ enrollment_code: code.trim(), name, fingerprint: `browser:${crypto.randomUUID()}`, app_version: "web-1" });
  return call("POST", "/devices/enroll", { body });
}

export class Sync {
  constructor(store, device) { this.store = store; this.device = device; }

  get token() { return this.device.token; }

  async status() {
    const data = await call("GET", "/sync/status", { token: this.token });
    await this.store.metaSet({ limits: data.limits || {}, last_applied_seq: data.last_applied_seq,
      clock_skew_seconds: data.clock_skew_seconds || 0, server_time: data.server_time });
    return data;
  }

  /** Pulls page by page from the stored cursor; each page is stored with its cursor. */
  async pull({ limit = 500 } = {}) {
    let cursor = await this.store.meta("cursor");
    let reset = false;
    let resynced = false;
    let rows = 0;
    for (;;) {
      const page = await call("GET", "/sync/pull", { token: this.token, query: cursor ? { cursor, limit } : { limit } });
      if (page.full_resync_required) {
        if (!cursor || resynced) throw new Refused(200, "full_resync_loop", "the server asked for a full resync of a pull from the beginning");
        cursor = null; reset = true; resynced = true;
        continue;
      }
      await this.store.pullPageApply(page, { reset });
      rows += Object.values(page.changes).reduce((n, list) => n + (Array.isArray(list) ? list.length : 0), 0);
      reset = false;
      const previous = cursor;
      cursor = page.next_cursor;
      if (!page.has_more) break;
      if (!cursor || cursor === previous) throw new Refused(200, "pull_cursor_stuck", "has_more is true but the cursor did not move");
    }
    await this.store.metaSet({ last_pull_at: new Date().toISOString() });
    return rows;
  }

  /** Pushes the journal if no other tab of this browser is pushing. Returns a summary, or null if another tab holds the lock. */
  push() {
    return navigator.locks.request(`zargar-push:${this.device.device_id}`, { ifAvailable: true }, (lock) => (lock ? this.pushLocked() : null));
  }

  async pushLocked() {
    const limits = (await this.store.meta("limits")) || {};
    const batchSize = Number(limits.max_operations_per_push) || 200;
    const maxBytes = Number(limits.max_body_bytes) || 1048576;
    const summary = { applied: 0, duplicate: 0, rejected: 0, conflicts: 0, batches: 0 };
    let requeued = false;
    for (;;) {
      let ops = await this.store.pending(batchSize);
      if (!ops.length) break;
      let body;
      for (;;) {  // the longest prefix that fits the byte limit
        body = JSON.stringify({ batch_id: crypto.randomUUID(), operations: ops.map(wire) });
        if (ops.length === 1 || new TextEncoder().encode(body).length <= maxBytes) break;
        ops = ops.slice(0, Math.ceil(ops.length / 2));
      }
      const data = await call("POST", "/sync/push", { token: this.token, body });
      summary.batches += 1;
      const stop = await this.settle(ops, data, summary);
      if (stop === "requeue" && !requeued) { requeued = true; continue; }
      if (stop) break;
    }
    await this.store.metaSet({ last_push_at: new Date().toISOString() });
    return summary;
  }

  async settle(ops, data, summary) {
    const bySeq = new Map((data.results || []).map((r) => [r.seq, r]));
    const settlements = [];
    let stop = null;
    let requeueFrom = null;
    for (const op of ops) {
      const result = bySeq.get(op.seq);
      if (!result || (result.op_id && result.op_id !== op.op_id)) { stop = "unanswered"; break; }
      if (result.status === "applied" || result.status === "duplicate") {
        // The duplicate of an operation rejected the first time stays rejected.
        const state = result.status === "duplicate" && (result.errors || []).length && !result.server_id ? "rejected" : result.status;
        summary[state] += 1;
        summary.conflicts += (result.conflicts || []).length;
        settlements.push({ seq: op.seq, state, result });
      } else if (result.status === "rejected") {
        summary.rejected += 1;
        settlements.push({ seq: op.seq, state: "rejected", result });
      } else {  // "retry", or a status this terminal does not know: sent again later
        stop = "retry";
        const expected = result.expected_seq;
        if (Number.isInteger(expected) && expected < op.seq && (await this.store.entry(expected))) { stop = "requeue"; requeueFrom = expected; }
        break;
      }
    }
    await this.store.settle(settlements, { requeueFrom });
    if (data.last_applied_seq !== undefined) await this.store.metaSet({ last_applied_seq: data.last_applied_seq });
    return stop;
  }
}

function wire(entry) {
  return { seq: entry.seq, op_id: entry.op_id, type: entry.type, occurred_at: entry.occurred_at, payload: entry.payload };
}
