/**
 * Signature checking for the mock OSS server: OSS signature v4 and v1, in the
 * `Authorization` header and in presigned URLs, STS tokens, the 15-minute clock skew and
 * expiry. Failures are answered the way OSS answers them (docs/oss-wire.md §4): an
 * `<Error>` XML body, or for `HEAD` no body and the XML base64-encoded in `x-oss-err`.
 *
 * Written independently of the client in `src/sources/oss` on purpose (own encoder, own
 * canonicalisation, `crypto.subtle` directly): a bug shared by both sides would otherwise
 * pass every test.
 *
 * Error codes and ECs marked "(guess)" are not documented; the rest follow §4.
 *
 * @module
 */

/** Credentials the mock knows, by AccessKey ID. */
export type MockCredentials = Record<string, { secret: string; securityToken?: string }>;

/** Options of {@linkcode ossAuth}. */
export interface OssAuthOptions {
  /** The AccessKey pairs (and STS tokens) the mock accepts. */
  credentials: MockCredentials;
  /** Region v4 signatures must be scoped to; any region when absent. */
  region?: string;
  /** The server clock. @default {() => new Date()} */
  now?: () => Date;
  /** Accept requests without any signature. @default {false} */
  allowAnonymous?: boolean;
  /** Largest accepted difference between request time and server time. @default {900000} */
  maxSkewMs?: number;
}

/** The function `MockOss({ auth })` calls for every request. */
export type AuthCheck = (
  req: Request,
  target: { bucket: string; key: string },
) => Promise<Response | undefined>;

const V4_ALGORITHM = "OSS4-HMAC-SHA256";
const SKEW_MS = 15 * 60 * 1000;
const V1_SIGNED_PARAMS = new Set([
  "acl",
  "append",
  "bucketInfo",
  "callback",
  "callback-var",
  "continuation-token",
  "delete",
  "location",
  "objectMeta",
  "partNumber",
  "position",
  "resourceGroup",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
  "restore",
  "security-token",
  "sequential",
  "stat",
  "symlink",
  "tagging",
  "uploadId",
  "uploads",
  "versionId",
  "versioning",
  "versions",
]);

const utf8 = new TextEncoder();

/** RFC 3986 encoding byte by byte: unreserved stay, `/` stays when `keepSlash`. */
function encode(text: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of utf8.encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9_.~-]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Decoded query pairs in order, straight from the raw query string (`+` is a space). */
function parseQuery(search: string): [string, string][] {
  const raw = search.startsWith("?") ? search.slice(1) : search;
  const pairs: [string, string][] = [];
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, " "));
      } catch {
        return s;
      }
    };
    pairs.push([dec(name), dec(value)]);
  }
  return pairs;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function hmacRaw(
  algorithm: "SHA-1" | "SHA-256",
  key: Uint8Array | string,
  data: string,
): Promise<Uint8Array> {
  const raw = typeof key === "string" ? utf8.encode(key) : key;
  const k = await crypto.subtle.importKey(
    "raw",
    raw as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: { name: algorithm } },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8.encode(data)));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** 24 uppercase hex characters, like `x-oss-request-id`. */
function requestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return hex(bytes).toUpperCase();
}

/** Parses `YYYYMMDDTHHMMSSZ`; `undefined` when malformed. */
function parseIsoBasic(text: string | null | undefined): Date | undefined {
  const m = text ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

/** One OSS error, before it becomes a Response. */
export interface Denial {
  /** HTTP status. */
  status: number;
  /** `<Code>`. */
  code: string;
  /** `<Message>`. */
  message: string;
  /** `<EC>` and `x-oss-ec`. */
  ec: string;
  /** More elements, in order, after `<HostId>`. */
  extra?: [string, string][];
}

/**
 * The OSS error response for `denial`: XML body with `Content-Type: application/xml`, or
 * for HEAD no body and the XML in base64 `x-oss-err`; `x-oss-request-id`, `x-oss-ec`, the
 * server `Date` always.
 *
 * @example
 * ```ts
 * import { ossErrorResponse } from "./auth.ts";
 * const res = ossErrorResponse(new Request("http://127.0.0.1/b/k"), {
 *   status: 403, code: "AccessDenied", message: "no", ec: "0003-00000001",
 * }, new Date());
 * console.log(res.status, res.headers.get("x-oss-ec")); // 403 0003-00000001
 * ```
 */
export function ossErrorResponse(req: Request, denial: Denial, now: Date): Response {
  const id = requestId();
  const host = new URL(req.url).host;
  const elements: [string, string][] = [
    ["Code", denial.code],
    ["Message", denial.message],
    ["RequestId", id],
    ["HostId", host],
    ...(denial.extra ?? []),
    ["EC", denial.ec],
    ["RecommendDoc", `https://api.aliyun.com/troubleshoot?q=${denial.ec}`],
  ];
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n` +
    elements.map(([k, v]) => `  <${k}>${xmlEscape(v)}</${k}>\n`).join("") + `</Error>\n`;
  const headers = new Headers({
    "x-oss-request-id": id,
    "x-oss-ec": denial.ec,
    date: now.toUTCString(),
    server: "AliyunOSS",
  });
  if (req.method === "HEAD") {
    headers.set("x-oss-err", base64(utf8.encode(xml)));
    return new Response(null, { status: denial.status, headers });
  }
  headers.set("content-type", "application/xml");
  return new Response(xml, { status: denial.status, headers });
}

const denials = {
  anonymous: (): Denial => ({
    status: 403,
    code: "AccessDenied",
    message: "You have no right to access this object because of bucket acl.",
    ec: "0003-00000001", // (guess)
  }),
  invalidArgument: (message: string, ec = "0002-00000012"): Denial => ({
    status: 400,
    code: "InvalidArgument",
    message,
    ec, // (guess) unless given
  }),
  unknownKey: (ak: string): Denial => ({
    status: 403,
    code: "InvalidAccessKeyId", // listed as 400 by ali-oss; 403 in practice (guess)
    message: "The OSS Access Key Id you provided does not exist in our records.",
    ec: "0002-00000005", // (guess)
    extra: [["OSSAccessKeyId", ak]],
  }),
  badToken: (ak: string): Denial => ({
    status: 403,
    code: "InvalidSecurityToken", // (guess)
    message: "The security token you provided is invalid.",
    ec: "0002-00000007", // (guess)
    extra: [["OSSAccessKeyId", ak]],
  }),
  skewed: (requestTime: Date, serverTime: Date): Denial => ({
    status: 403,
    code: "RequestTimeTooSkewed",
    message: "The difference between the request time and the current time is too large.",
    ec: "0002-00000504", // (guess)
    extra: [
      ["RequestTime", requestTime.toISOString()],
      ["ServerTime", serverTime.toISOString()],
      ["MaxAllowedSkewMilliseconds", String(SKEW_MS)],
    ],
  }),
  expired: (expires: Date, serverTime: Date): Denial => ({
    status: 403,
    code: "AccessDenied", // the Code string is a guess; message and EC are documented
    message: "Request has expired.",
    ec: "0002-00000069",
    extra: [["Expires", expires.toISOString()], ["ServerTime", serverTime.toISOString()]],
  }),
  mismatch: (
    ak: string,
    provided: string,
    stringToSign: string,
    canonicalRequest?: string,
  ): Denial => ({
    status: 403,
    code: "SignatureDoesNotMatch",
    message:
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    ec: "0002-00000040", // (guess)
    extra: [
      ["OSSAccessKeyId", ak],
      ["SignatureProvided", provided],
      ["StringToSign", stringToSign],
      [
        "StringToSignBytes",
        Array.from(utf8.encode(stringToSign), (b) => b.toString(16).padStart(2, "0")).join(" "),
      ],
      ...(canonicalRequest === undefined
        ? []
        : [["CanonicalRequest", canonicalRequest] as [string, string]]),
    ],
  }),
};

/** What one verification needs. */
interface Ctx {
  req: Request;
  method: string;
  bucket: string;
  key: string;
  query: [string, string][];
  headers: Headers;
  now: Date;
  options: OssAuthOptions;
  maxSkewMs: number;
}

/** The credential for `ak`, or the denial for an unknown key or a wrong/missing token. */
function lookup(
  ctx: Ctx,
  ak: string,
  token: string | null | undefined,
): { secret: string } | Denial {
  const cred = Object.hasOwn(ctx.options.credentials, ak) ? ctx.options.credentials[ak] : undefined;
  if (!cred) return denials.unknownKey(ak);
  if ((cred.securityToken ?? null) !== (token ?? null)) {
    return cred.securityToken && !token ? denials.unknownKey(ak) : denials.badToken(ak);
  }
  return { secret: cred.secret };
}

function isDenial(x: unknown): x is Denial {
  return typeof x === "object" && x !== null && "code" in x;
}

function skewed(ctx: Ctx, requestTime: Date): Denial | undefined {
  return Math.abs(requestTime.getTime() - ctx.now.getTime()) > ctx.maxSkewMs
    ? denials.skewed(requestTime, ctx.now)
    : undefined;
}

// ---- signature v4 ----

function v4CanonicalRequest(
  ctx: Ctx,
  query: [string, string][],
  additional: string[],
  payload: string,
): string {
  const uri = encode(`/${ctx.bucket}/${ctx.key}`, true);
  const q = query.map(([k, v]) => [encode(k, false), encode(v, false)] as const)
    .sort((a, b) => byCodeUnits(a[0], b[0]) || byCodeUnits(a[1], b[1]))
    .map(([k, v]) => (v === "" ? k : `${k}=${v}`))
    .join("&");
  const names = new Set<string>();
  ctx.headers.forEach((_, name) => {
    const low = name.toLowerCase();
    if (
      low.startsWith("x-oss-") || low === "content-type" || low === "content-md5" ||
      additional.includes(low)
    ) names.add(low);
  });
  const canonicalHeaders = [...names].sort(byCodeUnits)
    .map((n) => `${n}:${(ctx.headers.get(n) ?? "").trim()}\n`).join("");
  return [ctx.method, uri, q, canonicalHeaders, additional.join(";"), payload].join("\n");
}

async function v4Verify(
  ctx: Ctx,
  fields: {
    ak: string;
    day: string;
    region: string;
    product: string;
    dateTime: string;
    additional: string[];
    signature: string;
    query: [string, string][];
    payload: string;
  },
  secret: string,
): Promise<Denial | undefined> {
  const canonical = v4CanonicalRequest(ctx, fields.query, fields.additional, fields.payload);
  const digest = hex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(canonical))),
  );
  const scope = `${fields.day}/${fields.region}/${fields.product}/aliyun_v4_request`;
  const stringToSign = `${V4_ALGORITHM}\n${fields.dateTime}\n${scope}\n${digest}`;
  let key = await hmacRaw("SHA-256", "aliyun_v4" + secret, fields.day);
  for (const part of [fields.region, fields.product, "aliyun_v4_request"]) {
    key = await hmacRaw("SHA-256", key, part);
  }
  const expected = hex(await hmacRaw("SHA-256", key, stringToSign));
  return expected === fields.signature.toLowerCase()
    ? undefined
    : denials.mismatch(fields.ak, fields.signature, stringToSign, canonical);
}

function parseCredential(ctx: Ctx, credential: string, dateTime: string) {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aliyun_v4_request" || !parts[0]) {
    return denials.invalidArgument(`Invalid credential ${credential}.`);
  }
  const [ak, day, region, product] = parts as [string, string, string, string];
  if (product !== "oss" && product !== "oss-cloudbox") {
    return denials.invalidArgument(`Invalid signing product ${product} in credential.`);
  }
  if (ctx.options.region !== undefined && region !== ctx.options.region) {
    return denials.invalidArgument(
      `Invalid signing region in credential: ${region}, expected ${ctx.options.region}.`,
    );
  }
  if (dateTime.slice(0, 8) !== day) {
    return denials.invalidArgument(
      `Invalid signing date in credential: ${day} does not match ${dateTime}.`,
    );
  }
  return { ak, day, region, product };
}

function parseAdditional(value: string | null | undefined): string[] | Denial {
  if (value === undefined || value === null) return [];
  if (value.trim() === "") {
    return denials.invalidArgument("AdditionalHeaders must not be empty.", "0002-00000209");
  }
  return value.split(";").map((s) => s.trim().toLowerCase());
}

async function v4Header(ctx: Ctx, authorization: string): Promise<Denial | undefined> {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(V4_ALGORITHM.length).split(",")) {
    const p = part.trim();
    const eq = p.indexOf("=");
    if (eq > 0) fields.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signature = fields.get("Signature");
  if (!credential || !signature) {
    return denials.invalidArgument("Authorization header is invalid.");
  }
  const dateTime = ctx.headers.get("x-oss-date");
  const date = parseIsoBasic(dateTime);
  if (!date || !dateTime) {
    return denials.invalidArgument("x-oss-date must be set as YYYYMMDDTHHMMSSZ for signature v4.");
  }
  const payload = ctx.headers.get("x-oss-content-sha256");
  if (payload !== "UNSIGNED-PAYLOAD") {
    return denials.invalidArgument(
      "x-oss-content-sha256 must be UNSIGNED-PAYLOAD.",
      "0002-00000214",
    );
  }
  const cred = parseCredential(ctx, credential, dateTime);
  if (isDenial(cred)) return cred;
  const additional = parseAdditional(fields.get("AdditionalHeaders"));
  if (isDenial(additional)) return additional;
  const found = lookup(ctx, cred.ak, ctx.headers.get("x-oss-security-token"));
  if (isDenial(found)) return found;
  const skew = skewed(ctx, date);
  if (skew) return skew;
  return await v4Verify(ctx, {
    ...cred,
    dateTime,
    additional,
    signature,
    query: ctx.query,
    payload,
  }, found.secret);
}

async function v4Query(ctx: Ctx): Promise<Denial | undefined> {
  const get = (name: string) => ctx.query.find(([k]) => k === name)?.[1];
  const credential = get("x-oss-credential");
  const dateTime = get("x-oss-date");
  const expiresText = get("x-oss-expires");
  const signature = get("x-oss-signature");
  if (!credential || !dateTime || !expiresText || !signature) {
    return denials.invalidArgument(
      "x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature are required.",
    );
  }
  const date = parseIsoBasic(dateTime);
  if (!date) return denials.invalidArgument(`Invalid x-oss-date ${dateTime}.`);
  if (!/^\d+$/.test(expiresText) || +expiresText < 1 || +expiresText > 604800) {
    return denials.invalidArgument(`x-oss-expires must be 1 to 604800: got ${expiresText}.`);
  }
  const cred = parseCredential(ctx, credential, dateTime);
  if (isDenial(cred)) return cred;
  const additional = parseAdditional(get("x-oss-additional-headers"));
  if (isDenial(additional)) return additional;
  const found = lookup(ctx, cred.ak, get("x-oss-security-token"));
  if (isDenial(found)) return found;
  const expiresAt = new Date(date.getTime() + Number(expiresText) * 1000);
  if (ctx.now.getTime() > expiresAt.getTime()) return denials.expired(expiresAt, ctx.now);
  if (date.getTime() - ctx.now.getTime() > ctx.maxSkewMs) return denials.skewed(date, ctx.now);
  return await v4Verify(ctx, {
    ...cred,
    dateTime,
    additional,
    signature,
    query: ctx.query.filter(([k]) => k !== "x-oss-signature"),
    payload: ctx.headers.get("x-oss-content-sha256") ?? "UNSIGNED-PAYLOAD",
  }, found.secret);
}

// ---- signature v1 ----

function v1StringToSign(ctx: Ctx, dateSlot: string): string {
  const ossHeaders: string[] = [];
  ctx.headers.forEach((_, name) => {
    const low = name.toLowerCase();
    if (low.startsWith("x-oss-") && !ossHeaders.includes(low)) ossHeaders.push(low);
  });
  const headerBlock = ossHeaders.sort(byCodeUnits)
    .map((n) => `${n}:${(ctx.headers.get(n) ?? "").trim()}\n`).join("");
  const params = new Map<string, string>();
  for (const [k, v] of ctx.query) {
    if ((V1_SIGNED_PARAMS.has(k) || k.startsWith("x-oss-")) && !params.has(k)) params.set(k, v);
  }
  const sub = [...params.keys()].sort(byCodeUnits)
    .map((k) => (params.get(k) ? `${k}=${params.get(k)}` : k)).join("&");
  const resource = `/${ctx.bucket}/${ctx.key}` + (sub ? `?${sub}` : "");
  return [
    ctx.method,
    ctx.headers.get("content-md5") ?? "",
    ctx.headers.get("content-type") ?? "",
    dateSlot,
    headerBlock + resource,
  ].join("\n");
}

async function v1Verify(
  ctx: Ctx,
  ak: string,
  secret: string,
  provided: string,
  dateSlot: string,
): Promise<Denial | undefined> {
  const stringToSign = v1StringToSign(ctx, dateSlot);
  const expected = base64(await hmacRaw("SHA-1", secret, stringToSign));
  return expected === provided ? undefined : denials.mismatch(ak, provided, stringToSign);
}

async function v1Header(ctx: Ctx, authorization: string): Promise<Denial | undefined> {
  const rest = authorization.slice("OSS ".length).trim();
  const colon = rest.lastIndexOf(":");
  if (colon <= 0) return denials.invalidArgument("Authorization header is invalid.");
  const ak = rest.slice(0, colon);
  const provided = rest.slice(colon + 1);
  const dateSlot = ctx.headers.get("x-oss-date") ?? ctx.headers.get("date");
  const date = dateSlot ? new Date(dateSlot) : undefined;
  const found = lookup(ctx, ak, ctx.headers.get("x-oss-security-token"));
  if (isDenial(found)) return found;
  if (!dateSlot || !date || Number.isNaN(date.getTime())) {
    return {
      status: 403,
      code: "AccessDenied",
      message: "OSS authentication requires a valid Date.",
      ec: "0002-00000016", // (guess)
    };
  }
  const skew = skewed(ctx, date);
  if (skew) return skew;
  return await v1Verify(ctx, ak, found.secret, provided, dateSlot);
}

async function v1Query(ctx: Ctx): Promise<Denial | undefined> {
  const get = (name: string) => ctx.query.find(([k]) => k === name)?.[1];
  const ak = get("OSSAccessKeyId");
  const expires = get("Expires");
  const provided = get("Signature");
  if (!ak || !expires || !provided) {
    return denials.invalidArgument("OSSAccessKeyId, Expires and Signature are required.");
  }
  if (!/^\d+$/.test(expires)) return denials.invalidArgument(`Invalid Expires ${expires}.`);
  const found = lookup(ctx, ak, get("security-token"));
  if (isDenial(found)) return found;
  const expiresAt = new Date(Number(expires) * 1000);
  if (ctx.now.getTime() > expiresAt.getTime()) return denials.expired(expiresAt, ctx.now);
  return await v1Verify(ctx, ak, found.secret, provided, expires);
}

/**
 * A verifier for `new MockOss({ auth })`: resolves `undefined` when the request is properly
 * signed (or anonymous and allowed), else the OSS error response to send.
 *
 * @example
 * ```ts ignore
 * import { MockOss } from "./server.ts";
 * import { ossAuth } from "./auth.ts";
 * const mock = new MockOss({
 *   auth: ossAuth({ credentials: { ak: { secret: "sk" } }, region: "cn-hangzhou" }),
 * });
 * ```
 */
export function ossAuth(options: OssAuthOptions): AuthCheck {
  const now = options.now ?? (() => new Date());
  const maxSkewMs = options.maxSkewMs ?? SKEW_MS;
  return async (req, target) => {
    const url = new URL(req.url);
    const ctx: Ctx = {
      req,
      method: req.method.toUpperCase(),
      bucket: target.bucket,
      key: target.key,
      query: parseQuery(url.search),
      headers: req.headers,
      now: now(),
      options,
      maxSkewMs,
    };
    const has = (name: string) => ctx.query.some(([k]) => k === name);
    const authorization = req.headers.get("authorization");
    let denial: Denial | undefined;
    if (authorization !== null) {
      if (authorization.startsWith(`${V4_ALGORITHM} `)) denial = await v4Header(ctx, authorization);
      else if (authorization.startsWith("OSS ")) denial = await v1Header(ctx, authorization);
      else denial = denials.invalidArgument("Authorization header is invalid.");
    } else if (has("x-oss-signature-version") || has("x-oss-signature")) {
      denial = ctx.query.find(([k]) => k === "x-oss-signature-version")?.[1] === V4_ALGORITHM
        ? await v4Query(ctx)
        : denials.invalidArgument("x-oss-signature-version must be OSS4-HMAC-SHA256.");
    } else if (has("OSSAccessKeyId") || has("Signature")) {
      denial = await v1Query(ctx);
    } else if (!options.allowAnonymous) {
      denial = denials.anonymous();
    }
    return denial ? ossErrorResponse(req, denial, ctx.now) : undefined;
  };
}
