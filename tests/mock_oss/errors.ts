/**
 * OSS error answers (docs/oss-wire.md §4): the `<Error>` XML body with `x-oss-ec`, or for HEAD
 * no body and the XML base64-encoded in `x-oss-err`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { baseHeaders } from "./headers.ts";

/** One kind of error: status, code, message and EC. */
export interface ErrorKind {
  status: number;
  code: string;
  message: string;
  ec: string;
}

// ECs marked [D] are documented (docs/oss-wire.md §3/§4); NoSuchBucket's is seen in real
// answers; the others are placeholders in the right shape (guess).
export const ERRORS = {
  NoSuchKey: kind(404, "NoSuchKey", "The specified key does not exist.", "0026-00000001"), // [D]
  NoSuchBucket: kind(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101"),
  NoSuchVersion: kind(
    404,
    "NoSuchVersion",
    "The specified version does not exist.",
    "0026-00000002",
  ),
  InvalidRange: kind(
    416,
    "InvalidRange",
    "The requested range cannot be satisfied",
    "0003-00000209",
  ),
  PreconditionFailed: kind(
    412,
    "PreconditionFailed",
    "At least one of the pre-conditions you specified did not hold",
    "0017-00001001", // [D]
  ),
  MethodNotAllowed: kind(
    405,
    "MethodNotAllowed",
    "The specified method is not allowed against this resource.",
    "0003-00000001",
  ),
  InvalidURI: kind(400, "InvalidURI", "Couldn't parse the specified URI.", "0002-00000001"),
  NotImplemented: kind(
    501,
    "NotImplemented",
    "The mock OSS serves GetObject, HeadObject and GetObjectMeta only.",
    "0001-00000501",
  ),
} satisfies Record<string, ErrorKind>;

const BY_STATUS: Record<number, [string, string]> = {
  400: ["InvalidArgument", "Invalid Argument"],
  403: ["AccessDenied", "You have no right to access this object."],
  404: ["NoSuchKey", "The specified key does not exist."],
  408: ["RequestTimeout", "Request timeout"],
  429: ["TooManyRequests", "Please reduce your request rate."],
  500: ["InternalError", "We encountered an internal error. Please try again."],
  502: ["BadGateway", "Bad Gateway"],
  503: ["ServiceUnavailable", "Please reduce your request rate."],
  504: ["GatewayTimeout", "Gateway Timeout"],
};

/** The error kind for an injected status (and optional code). */
export function errorForStatus(status: number, code?: string): ErrorKind {
  const known = Object.values(ERRORS).find((e) => e.code === code);
  if (known) return { ...known, status };
  const [defaultCode, message] = BY_STATUS[status] ??
    ["InjectedFault", `Injected status ${status}`];
  return kind(status, code ?? defaultCode, message, `0000-${String(status).padStart(8, "0")}`);
}

/** Where the error happened, for the XML fields. */
export interface ErrorContext {
  method: string;
  requestId: string;
  hostname: string;
  bucket?: string;
  key?: string;
}

/** The `<Error>` document, with extra elements (e.g. BucketName) before `EC`. */
export function errorXml(
  error: ErrorKind,
  ctx: ErrorContext,
  extra: Record<string, string> = {},
): string {
  const fields: [string, string][] = [
    ["Code", error.code],
    ["Message", error.message],
    ["RequestId", ctx.requestId],
    ["HostId", ctx.bucket ? `${ctx.bucket}.${ctx.hostname}` : ctx.hostname],
  ];
  if (ctx.key) fields.push(["Key", ctx.key]);
  fields.push(...Object.entries(extra));
  fields.push(["EC", error.ec]);
  fields.push(["RecommendDoc", `https://api.aliyun.com/troubleshoot?q=${error.ec}`]);
  const body = fields.map(([name, value]) => `  <${name}>${escapeXml(value)}</${name}>`).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n${body}\n</Error>\n`;
}

/** A complete error Response; for HEAD (and 304-like statuses) without a body. */
export function errorResponse(
  error: ErrorKind,
  ctx: ErrorContext,
  options: { extra?: Record<string, string>; headers?: HeadersInit } = {},
): Response {
  const xml = new TextEncoder().encode(errorXml(error, ctx, options.extra));
  const headers = baseHeaders(ctx.requestId);
  headers.set("content-type", "application/xml");
  headers.set("x-oss-ec", error.ec);
  for (const [name, value] of new Headers(options.headers)) headers.set(name, value);
  const bodiless = ctx.method === "HEAD" || error.status === 204 || error.status === 304;
  if (bodiless) {
    headers.set("x-oss-err", Buffer.from(xml).toString("base64"));
    headers.set("content-length", "0");
    return new Response(null, { status: error.status, headers });
  }
  headers.set("content-length", String(xml.length));
  return new Response(xml, { status: error.status, headers });
}

function kind(status: number, code: string, message: string, ec: string): ErrorKind {
  return { status, code, message, ec };
}

function escapeXml(text: string): string {
  const entities: Record<string, string> = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&apos;",
  };
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}
