// The counter itself: the cart, the customer, old gold taken in, payments,
// checkout into the journal, the receipt and the journal's recent sales.
// Prices come from pricing.js; nothing here changes a rate, a making charge
// or a discount, so the counter rules hold offline by construction.
import { Decimal, PricingError, dec, goldRateCurrent, moneyText, priceLine, rateForFineness, saleTotal, tradeInValue } from "./pricing.js";
import { $, T, asciiDigits, cell, decimalShown, linkButton, moneyShown, number, say, typedNumber, when } from "./ui.js";

const ZERO = new Decimal(0);
let state;
let journalled = async () => {};

export function newCart() { return { id: crypto.randomUUID(), lines: [], customer: null, tradeIns: [], payments: [] }; }

/** Wires the counter to the page; `onJournalled` runs after every journal write (status, push). */
export function counterInit(shared, onJournalled) {
  state = shared;
  journalled = onJournalled;
  state.cart = newCart();
  $("scan-form").addEventListener("submit", scanSubmit);
  $("clear-button").addEventListener("click", () => { state.cart = newCart(); cartShow(); $("scan-code").focus(); });
  $("customer-q").addEventListener("input", customerSearch);
  $("customer-new-form").addEventListener("submit", customerNew);
  $("tradein-form").addEventListener("submit", tradeInAdd);
  $("payment-form").addEventListener("submit", paymentAdd);
  $("checkout-button").addEventListener("click", checkout);
  $("print-button").addEventListener("click", () => window.print());
}

const exponent = () => (state.rules ? state.rules.exponent : 0);
const shown = (amount) => moneyShown(amount, exponent());
/** The pulled rate in force now, by the server's clock as the last handshake told it. */
export const rateNow = () => goldRateCurrent(state.rates, new Date(Date.now() - 1000 * Number(state.skew || 0)));

// -- scanning ---------------------------------------------------------------

async function scanSubmit(event) {
  event.preventDefault();
  const started = performance.now();  // scripts/bench_terminal.py reads the "zargar:scan" measures
  const input = $("scan-code");
  const code = asciiDigits(input.value);
  input.value = "";
  $("scan-error").textContent = "";
  const item = await state.store.itemFind(code);
  if (!item) { $("scan-error").textContent = T.not_found; return; }
  const line = state.cart.lines.find((l) => l.item.id === item.id);
  if (line && item.is_unique_piece) { $("scan-error").textContent = T.in_cart; return; }
  if (line) line.quantity += 1; else state.cart.lines.push({ item, quantity: 1 });
  const inCart = state.cart.lines.find((l) => l.item.id === item.id).quantity;
  const left = Number(item.quantity || 0) - (await soldHere(item.id)) - inCart;
  if (item.status !== "in_stock") $("scan-error").textContent = say("unavailable", { status: item.status });
  else if (left < 0) $("scan-error").textContent = T.none_left;
  cartShow();
  performance.measure("zargar:scan", { start: started });
}

/** Pieces of this item in sales not yet synced: the pulled quantity does not know them yet. */
async function soldHere(itemId) {
  const pending = (await state.store.pending(Infinity)).filter((e) => e.type === "sale.create");
  return pending.reduce((n, e) => n + e.payload.lines.filter((l) => l.item_id === itemId).reduce((m, l) => m + l.quantity, 0), 0);
}

// -- the sale's figures -----------------------------------------------------------

/** The cart priced now: lines, the rounded total, old gold, what is still to pay. Throws PricingError. */
function figures() {
  const rate = rateNow();
  const lines = state.cart.lines.map((l) => ({ ...priceLine(l.item, rate, state.rules, l.quantity), item: l.item }));
  const total = saleTotal(lines, state.rules);
  const tradeIns = state.cart.tradeIns.map((t) => ({ ...t, goldRateId: rate ? String(rate.id) : null,
    value: tradeInValue({ grams: t.weight, fineness: t.fineness, pureRate: rateForFineness(rate, 1000).toDecimalPlaces(4, Decimal.ROUND_HALF_UP),
      deductionPercent: t.deduction, currency: state.rules.currency }).value }));
  const oldGold = tradeIns.reduce((s, t) => s.plus(t.value), ZERO);
  const entered = state.cart.payments.reduce((s, p) => s.plus(p.amount), ZERO);
  const due = total.total.minus(oldGold);
  return { lines, total, tradeIns, oldGold, entered, due, remainder: due.minus(entered) };
}

export function cartShow() {
  const body = $("cart").tBodies[0];
  body.replaceChildren();
  $("checkout-error").textContent = "";
  let f = null;
  try { if (state.rules) f = figures(); } catch (error) { $("checkout-error").textContent = error instanceof PricingError ? error.message : String(error); }
  (f ? f.lines : []).forEach((line, index) => {
    const row = body.insertRow();
    cell(row, `${line.item.name} (${line.item.sku})${line.quantity > 1 ? ` × ${number(line.quantity)}` : ""}`).dir = "auto";
    cell(row, line.item.net_weight ? decimalShown(line.item.net_weight) : "", "num");
    cell(row, line.item.fineness ? decimalShown(line.item.fineness) : "", "num");
    cell(row, shown(line.total), "num");
    cell(row, "", "no-print").append(linkButton(T.remove, () => { state.cart.lines.splice(index, 1); cartShow(); }));
  });
  $("cart-empty").hidden = state.cart.lines.length > 0;
  listShow("tradein-list", f ? f.tradeIns : [], (t) => say("tradein_line", { weight: decimalShown(t.weight), fineness: decimalShown(t.fineness),
    deduction: decimalShown(t.deduction), value: shown(t.value) }), state.cart.tradeIns);
  listShow("payment-list", state.cart.payments, (p) => `${methodName(p.method)} ${shown(p.amount)}`, state.cart.payments);
  $("sum-lines").textContent = shown(f ? f.total.total.minus(f.total.rounding) : ZERO);
  $("sum-rounding").textContent = shown(f ? f.total.rounding : ZERO);
  $("sum-total").textContent = shown(f ? f.total.total : ZERO);
  $("sum-old-gold").textContent = shown(f ? f.oldGold : ZERO);
  $("sum-remainder").textContent = shown(f ? f.remainder : ZERO);
  $("checkout-button").disabled = !f || !f.lines.length || f.lines.length !== state.cart.lines.length;
  $("customer-chosen").textContent = state.cart.customer ? `${state.cart.customer.full_name} · ${state.cart.customer.phone || ""}` : T.walk_in;
}

function listShow(id, rows, text, source) {
  $(id).replaceChildren(...rows.map((row, index) => {
    const li = document.createElement("li");
    li.append(`${text(row)} `, linkButton(T.remove, () => { source.splice(index, 1); cartShow(); }));
    return li;
  }));
}

const methodName = (method) => $("payment-method").querySelector(`option[value="${method}"]`)?.textContent || method;

/** A typed amount or weight as a Decimal with at most `places` decimals, above zero; null when it is not one. */
function typedDecimal(text, places) {
  try {
    const value = dec(typedNumber(text), "amount");
    return value.greaterThan(0) && value.decimalPlaces() <= places ? value : null;
  } catch { return null; }
}

// -- customer, old gold, payments ---------------------------------------------------

async function customerSearch(event) {
  const list = $("customer-results");
  const found = await state.store.customersFind(event.target.value);
  list.replaceChildren(...found.map((customer) => {
    const li = document.createElement("li");
    li.append(linkButton(`${customer.full_name} · ${customer.phone || ""}`, () => {
      state.cart.customer = customer; list.replaceChildren(); event.target.value = ""; cartShow();
    }));
    return li;
  }));
}

/** A customer created here, offline or not: journalled (customer.create, our id) and chosen for the sale. */
async function customerNew(event) {
  event.preventDefault();
  const form = event.target;
  const customer = { id: crypto.randomUUID(), full_name: form.full_name.value.trim(), phone: typedNumber(form.phone.value), email: "" };
  if (!customer.full_name || !/^\+?\d{7,15}$/.test(customer.phone)) { $("customer-error").textContent = T.customer_invalid; return; }
  $("customer-error").textContent = "";
  await state.store.recordCustomer(customer);
  state.cart.customer = customer;
  form.reset();
  form.closest("details").open = false;
  cartShow();
  await journalled();
}

function tradeInAdd(event) {
  event.preventDefault();
  const form = event.target;
  const weight = typedDecimal(form.weight.value, 3);
  const fineness = Number(typedNumber(form.fineness.value));
  const deduction = typedNumber(form.deduction.value || "0");
  const deductionOk = /^\d{1,3}(\.\d{1,2})?$/.test(deduction) && Number(deduction) <= 100;
  if (!weight || !Number.isInteger(fineness) || fineness < 1 || fineness > 1000 || !deductionOk) {
    $("tradein-error").textContent = T.tradein_invalid;
    return;
  }
  if (!rateNow()) { $("tradein-error").textContent = T.no_rate; return; }
  $("tradein-error").textContent = "";
  state.cart.tradeIns.push({ weight: weight.toFixed(3), fineness, deduction: new Decimal(deduction).toFixed(2) });
  form.weight.value = "";
  cartShow();
}

function paymentAdd(event) {
  event.preventDefault();
  const amount = typedDecimal($("payment-amount").value, exponent());
  if (!amount) { $("checkout-error").textContent = T.amount_invalid; return; }
  state.cart.payments.push({ method: $("payment-method").value, amount });
  $("payment-amount").value = "";
  cartShow();
}

// -- checkout: into the journal, then pushed ----------------------------------

export async function checkout() {
  if (state.checkingOut || !state.cart.lines.length) return;
  state.checkingOut = true;
  $("checkout-button").disabled = true;
  const cart = state.cart;
  try {
    const f = figures();
    if (f.due.isNegative()) throw new PricingError(T.old_gold_over);
    if (f.remainder.isNegative()) throw new PricingError(T.paid_over);
    const exp = exponent();
    // One payment a method: what is left goes onto the chosen method's.
    const byMethod = new Map();
    for (const p of cart.payments) byMethod.set(p.method, (byMethod.get(p.method) || ZERO).plus(p.amount));
    const rest = $("payment-method").value;
    if (f.remainder.greaterThan(0)) byMethod.set(rest, (byMethod.get(rest) || ZERO).plus(f.remainder));
    const payments = [...byMethod].map(([method, amount]) => ({ method, amount: moneyText(amount, exp) }));
    const entry = await state.store.record({
      type: "sale.create", clientSaleId: cart.id,
      build: (receipt) => ({
        client_sale_id: cart.id, receipt_number: receipt, customer: cart.customer ? { id: cart.customer.id } : null,
        lines: f.lines.map((l) => ({ item_id: l.itemId, quantity: l.quantity, gold_rate_id: l.goldRateId, unit_price: moneyText(l.unitPrice, exp) })),
        trade_ins: f.tradeIns.map((t) => ({ weight: t.weight, fineness: t.fineness, deduction_percent: t.deduction, gold_rate_id: t.goldRateId })),
        payments, total: moneyText(f.total.total, exp),
      }),
      local: { cashier: state.cashier.email, customer_name: cart.customer ? cart.customer.full_name : null,
        shown: f.lines.map((l) => ({ name: l.item.name, sku: l.item.sku, quantity: l.quantity, total: moneyText(l.total, exp) })),
        old_gold: moneyText(f.oldGold, exp) },
    });
    state.cart = newCart();
    cartShow();
    $("scan-error").textContent = "";
    receiptShow(entry);
    await journalled();  // never "All synced" with this sale waiting
  } catch (error) {
    if (error && error.name === "ConstraintError") {  // this cart is journalled already (a second click)
      receiptShow(await state.store.saleByClientId(cart.id));
    } else {
      cartShow();
      $("checkout-error").textContent = error instanceof PricingError ? error.message : String(error);
    }
  } finally {
    state.checkingOut = false;
  }
}

// -- the receipt and the journal -------------------------------------------------

function receiptShow(entry) {
  state.receiptSeq = entry.seq;
  $("receipt").hidden = false;
  $("receipt-number").textContent = entry.receipt_number;
  $("receipt-invoice").textContent = entry.invoice_number || T.invoice_pending;
  $("receipt-when").textContent = `${when(entry.occurred_at)} · ${entry.cashier || ""}${entry.customer_name ? ` · ${entry.customer_name}` : ""}`;
  $("receipt-lines").replaceChildren();
  for (const line of entry.shown || []) {
    const row = $("receipt-lines").insertRow();
    cell(row, `${line.name} (${line.sku})${line.quantity > 1 ? ` × ${number(line.quantity)}` : ""}`).dir = "auto";
    cell(row, shown(new Decimal(line.total)), "num");
  }
  $("receipt-total").textContent = shown(new Decimal(entry.payload.total));
  const paid = entry.payload.payments.map((p) => `${methodName(p.method)} ${shown(new Decimal(p.amount))}`);
  if (entry.old_gold && new Decimal(entry.old_gold).greaterThan(0)) paid.push(`${T.old_gold} ${shown(new Decimal(entry.old_gold))}`);
  $("receipt-paid").textContent = paid.join(" · ");
}

function stateText(entry) {
  const parts = [T[`state_${entry.state}`]];
  for (const conflict of entry.conflicts || []) parts.push(T[`conflict_${conflict.kind}`] || conflict.kind);
  for (const error of entry.errors || []) parts.push(`${error.code}: ${error.message}`);
  return parts.join(" · ");
}

export async function journalShow() {
  if (!state.store) return;
  const body = $("journal").tBodies[0];
  const entries = (await state.store.journal({ limit: 60 })).filter((e) => e.type === "sale.create").slice(0, 20);
  body.replaceChildren();
  for (const entry of entries) {
    const row = body.insertRow();
    Object.assign(row.dataset, { seq: entry.seq, state: entry.state, receipt: entry.receipt_number });
    row.className = entry.flagged ? "flagged" : "";
    cell(row, entry.receipt_number).dir = "ltr";
    cell(row, entry.invoice_number || T.invoice_pending).dir = "ltr";
    cell(row, when(entry.occurred_at));
    cell(row, shown(new Decimal(entry.payload.total)), "num");
    cell(row, stateText(entry), `state-${entry.state}`);
    cell(row, "").append(linkButton(T.reprint, async () => { receiptShow(await state.store.entry(entry.seq)); window.print(); }));
  }
  if (state.receiptSeq !== null) {
    const current = await state.store.entry(state.receiptSeq);
    if (current) $("receipt-invoice").textContent = current.invoice_number || T.invoice_pending;
  }
}
