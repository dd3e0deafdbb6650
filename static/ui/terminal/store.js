// The browser terminal's local store (IndexedDB, through idb): the device's
// identity and token, the pulled catalogue, and the journal of operations.
//
// Every device has a database of its own ("zargar-terminal:<device id>"), so
// a browser enrolled again after a revocation starts a new journal and the
// old one stays where it is: nothing in a journal is ever deleted, only
// marked with what the server answered. A small pointer database names the
// device this browser is now.
//
// Two tabs never give one sale two sequence numbers: the seq is read, the
// operation written and the next seq stored in one readwrite transaction
// over "meta" and "journal", and IndexedDB runs such transactions one at a
// time. The client_sale_id index is unique, so a checkout sent twice (a
// double click, Enter held down) cannot be journalled twice.
import { openDB } from "../../vendor/idb.js";

const POINTER_DB = "zargar-terminal";
const CATALOGUE = ["items", "customers", "gold_rates", "categories"];

export async function currentDeviceId() {
  const db = await pointerDb();
  const id = await db.get("pointer", "device_id");
  db.close();
  return id || null;
}

async function pointerDb() {
  return openDB(POINTER_DB, 1, { upgrade(db) { db.createObjectStore("pointer"); } });
}

export async function deviceOpen(deviceId) {
  const db = await openDB(`zargar-terminal:${deviceId}`, 1, {
    upgrade(db) {
      db.createObjectStore("meta");
      const items = db.createObjectStore("items", { keyPath: "id" });
      items.createIndex("barcode", "barcode");
      items.createIndex("sku", "sku");
      const customers = db.createObjectStore("customers", { keyPath: "id" });
      customers.createIndex("phone", "phone");
      db.createObjectStore("gold_rates", { keyPath: "id" });
      db.createObjectStore("categories", { keyPath: "id" });
      const journal = db.createObjectStore("journal", { keyPath: "seq" });
      journal.createIndex("state", "state");
      journal.createIndex("client_sale_id", "client_sale_id", { unique: true });
      journal.createIndex("op_id", "op_id", { unique: true });
      journal.createIndex("flagged", "flagged");  // 1 on a rejected operation or one with conflicts: counted without reading the journal
    },
  });
  return new Store(db);
}

/** Saves a fresh enrolment as this browser's device. */
export async function deviceSave(enrolment) {
  const store = await deviceOpen(enrolment.device_id);
  const tx = store.db.transaction("meta", "readwrite");
  await tx.store.put({ ...enrolment, enrolled_at: new Date().toISOString() }, "device");
  await tx.store.put(1, "next_seq");
  await tx.done;
  const pointer = await pointerDb();
  await pointer.put("pointer", enrolment.device_id, "device_id");
  pointer.close();
  return store;
}

export class Store {
  constructor(db) { this.db = db; }

  close() { this.db.close(); }
  meta(key) { return this.db.get("meta", key); }
  metaSet(values) {
    const tx = this.db.transaction("meta", "readwrite");
    for (const [key, value] of Object.entries(values)) tx.store.put(value, key);
    return tx.done;
  }

  // -- catalogue ----------------------------------------------------------

  /** One pulled page and its cursor in one transaction: an interrupted pull resumes where it stopped. */
  async pullPageApply(page, { reset }) {
    const tx = this.db.transaction([...CATALOGUE, "meta"], "readwrite");
    if (reset) for (const kind of CATALOGUE) tx.objectStore(kind).clear();
    for (const kind of CATALOGUE) {
      for (const row of page.changes[kind] || []) tx.objectStore(kind).put(row);
    }
    for (const kind of ["items", "customers"]) {
      for (const id of (page.deleted || {})[kind] || []) tx.objectStore(kind).delete(id);
    }
    if (page.changes.tax_rule) tx.objectStore("meta").put(page.changes.tax_rule, "tax_rule");
    tx.objectStore("meta").put(page.next_cursor, "cursor");
    await tx.done;
  }

  /** An item by barcode, SKU or id, exactly as typed or scanned. */
  async itemFind(code) {
    const text = String(code).trim();
    if (!text) return null;
    return (await this.db.getFromIndex("items", "barcode", text))
      || (await this.db.getFromIndex("items", "sku", text))
      || (await this.db.get("items", text)) || null;
  }

  countOf(kind) { return this.db.count(kind); }
  all(kind) { return this.db.getAll(kind); }

  async customersFind(text, limit = 8) {
    const needle = String(text).trim().toLowerCase();
    if (!needle) return [];
    const found = [];
    let cursor = await this.db.transaction("customers").store.openCursor();
    while (cursor && found.length < limit) {
      const c = cursor.value;
      if ((c.full_name || "").toLowerCase().includes(needle) || (c.phone || "").includes(needle)) found.push(c);
      cursor = await cursor.continue();
    }
    return found;
  }

  // -- the journal --------------------------------------------------------

  /** Journals one operation under the next seq; returns it. `build(receipt number)` gives the payload;
   * `rows` ({store: row}) are put in the catalogue in the same transaction. */
  async record({ type, build, clientSaleId = null, opId = null, occurredAt = null, local = {}, rows = {} }) {
    const tx = this.db.transaction(["meta", "journal", ...Object.keys(rows)], "readwrite");
    for (const [kind, row] of Object.entries(rows)) tx.objectStore(kind).put(row);
    const meta = tx.objectStore("meta");
    const [seq, device] = await Promise.all([meta.get("next_seq"), meta.get("device")]);
    const receipt = type === "sale.create" ? `${device.receipt_prefix}-${String(seq).padStart(6, "0")}` : null;
    const entry = {
      seq, op_id: opId || crypto.randomUUID(), type, occurred_at: occurredAt || new Date().toISOString(),
      payload: build(receipt), client_sale_id: clientSaleId, receipt_number: receipt,
      state: "pending", recorded_at: new Date().toISOString(), ...local,
    };
    if (entry.client_sale_id === null) delete entry.client_sale_id;  // unique index: only sales are indexed
    tx.objectStore("journal").add(entry);
    meta.put(seq + 1, "next_seq");
    await tx.done;  // throws (and writes nothing) if this sale is journalled already
    return entry;
  }

  /** A customer made at this counter: journalled as customer.create (with our id) and usable at once. */
  recordCustomer(customer) {
    return this.record({ type: "customer.create", build: () => ({ ...customer }), rows: { customers: customer } });
  }

  saleByClientId(clientSaleId) { return this.db.getFromIndex("journal", "client_sale_id", clientSaleId); }
  entry(seq) { return this.db.get("journal", seq); }

  async pending(limit) {
    const found = [];
    let cursor = await this.db.transaction("journal").store.index("state").openCursor("pending");
    while (cursor && found.length < limit) { found.push(cursor.value); cursor = await cursor.continue(); }
    return found.sort((a, b) => a.seq - b.seq);
  }

  flaggedCount() { return this.db.countFromIndex("journal", "flagged", 1); }

  async journal({ limit = 50 } = {}) {
    const found = [];
    let cursor = await this.db.transaction("journal").store.openCursor(null, "prev");
    while (cursor && found.length < limit) { found.push(cursor.value); cursor = await cursor.continue(); }
    return found;
  }

  /** The server's answers for one batch, stored in one transaction. */
  async settle(settlements, { requeueFrom = null } = {}) {
    const tx = this.db.transaction(["journal", "meta"], "readwrite");
    const journal = tx.objectStore("journal");
    for (const s of settlements) {
      const entry = await journal.get(s.seq);
      const settled = { ...entry, state: s.state, result: s.result, invoice_number: s.result.invoice_number || entry.invoice_number || null,
        server_id: s.result.server_id || null, conflicts: s.result.conflicts || [], errors: s.result.errors || [],
        settled_at: new Date().toISOString() };
      if (s.state === "rejected" || settled.conflicts.length) settled.flagged = 1;
      journal.put(settled);
    }
    if (requeueFrom !== null) {
      // The server lost operations it had acknowledged (restored from a backup): send them again, same op_ids.
      let cursor = await journal.openCursor(IDBKeyRange.lowerBound(requeueFrom));
      while (cursor) {
        if (cursor.value.state !== "pending") cursor.update({ ...cursor.value, state: "pending" });
        cursor = await cursor.continue();
      }
    }
    await tx.done;
  }

  /** Pending operations as a file a re-enrolled device can import (same op_ids: exactly once). */
  async exportUnsent() {
    const device = await this.meta("device");
    const operations = (await this.pending(Infinity)).map((e) => ({
      op_id: e.op_id, type: e.type, occurred_at: e.occurred_at, payload: e.payload,
      client_sale_id: e.client_sale_id || null, receipt_number: e.receipt_number,
    }));
    return { format: "zargar-terminal-journal", version: 1, device_id: device.device_id, receipt_prefix: device.receipt_prefix,
      exported_at: new Date().toISOString(), operations };
  }

  /** Journals another device's exported operations under this device's seqs; already imported ones are skipped. */
  async importUnsent(file) {
    if (!file || file.format !== "zargar-terminal-journal" || !Array.isArray(file.operations)) {
      throw new Error("not a journal file exported by a Zargar terminal");
    }
    let imported = 0;
    for (const op of file.operations) {
      if (await this.db.getFromIndex("journal", "op_id", op.op_id)) continue;
      await this.record({ type: op.type, build: () => op.payload, clientSaleId: op.client_sale_id, opId: op.op_id,
        occurredAt: op.occurred_at, local: { imported_from: file.device_id, receipt_number: op.receipt_number } });
      imported += 1;
    }
    return imported;
  }
}
