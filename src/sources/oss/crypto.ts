/**
 * The few digests the signers need, on `crypto.subtle` (web APIs only).
 *
 * @module
 */

const encoder = new TextEncoder();

type Bytes = Uint8Array<ArrayBuffer>;

function bytes(data: string | Bytes): Bytes {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/** HMAC of `data` under `key` with `hash` (`SHA-1` or `SHA-256`). */
export async function hmac(
  hash: "SHA-1" | "SHA-256",
  key: string | Bytes,
  data: string | Bytes,
): Promise<Bytes> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    bytes(key),
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, bytes(data)));
}

/** SHA-256 of the UTF-8 of `data`, as lowercase hex. */
export async function sha256Hex(data: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(data))));
}

/** Lowercase hex of `data`. */
export function toHex(data: Uint8Array): string {
  let out = "";
  for (const b of data) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Standard base64 of `data`. */
export function toBase64(data: Uint8Array): string {
  let binary = "";
  for (const b of data) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Bytes of standard (or URL-safe) base64 `text`; `undefined` when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.trim().replace(/-/g, "+").replace(/_/g, "/");
  try {
    const binary = atob(clean);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}
