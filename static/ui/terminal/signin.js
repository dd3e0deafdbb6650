// Cashier sign-in on an enrolled browser. Online, the server checks the
// password (POST /api/v1/auth/token/) and this browser keeps a PBKDF2 hash
// of it (WebCrypto, a random salt, never the password); offline, that hash
// is what is checked, so only staff who signed in here before can sign in.
const ITERATIONS = 210_000;
const encoder = new TextEncoder();
const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(password, salt, iterations) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  return b64(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

async function serverCheck(email, password) {
  let response;
  try {
    response = await fetch("/api/v1/auth/token/", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ email, password }), credentials: "omit", cache: "no-store" });
  } catch {
    return "unreachable";
  }
  if (response.ok) return "valid";
  return response.status >= 500 || response.status === 429 ? "unreachable" : "invalid";
}

/** Signs a cashier in: {ok: true, cashier} or {ok: false, reason: "wrong" | "never_here"}. */
export async function signIn(store, email, password) {
  const known = (await store.meta("staff")) || {};
  const checked = await serverCheck(email, password);
  if (checked === "valid") {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    known[email] = { email, salt: b64(salt), iterations: ITERATIONS, hash: await derive(password, salt, ITERATIONS), verified_at: new Date().toISOString() };
    await store.metaSet({ staff: known });
    return { ok: true, cashier: { email, offline: false } };
  }
  if (checked === "invalid") return { ok: false, reason: "wrong" };
  const record = known[email];
  if (!record) return { ok: false, reason: "never_here" };
  const hash = await derive(password, unb64(record.salt), record.iterations);
  return hash === record.hash ? { ok: true, cashier: { email, offline: true } } : { ok: false, reason: "wrong" };
}
