/**
 * OSS error documents into {@linkcode OssError}: the XML body of an error response, or for
 * `HEAD` (which has no body) the base64 XML in the `x-oss-err` header. Anything that is not an
 * OSS error document becomes an {@linkcode HttpError}.
 *
 * @module
 */
import { HttpError, type HttpErrorInit, OssError, type OssErrorInit } from "../../errors.ts";
import { fromBase64 } from "./crypto.ts";

/** How much of an error body is read at most. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * The child elements of an OSS `<Error>` document as a record (`Code`, `Message`,
 * `RequestId`, `HostId`, `EC`, `StringToSign`, ...), entities decoded; `undefined` when
 * `text` is not an error document.
 *
 * @example
 * ```ts
 * import { parseOssErrorXml } from "./errors.ts";
 * const fields = parseOssErrorXml(
 *   `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>` +
 *     `<Message>The specified key does not exist.</Message><EC>0026-00000001</EC></Error>`,
 * );
 * console.log(fields?.Code, fields?.EC); // NoSuchKey 0026-00000001
 * ```
 */
export function parseOssErrorXml(text: string): Record<string, string> | undefined {
  const root = /<Error(?:\s[^>]*)?>([\s\S]*?)<\/Error\s*>/.exec(text);
  if (!root) return undefined;
  const fields: Record<string, string> = {};
  const element = /<([A-Za-z_][\w.-]*)(?:\s[^>]*)?(?:\/>|>([\s\S]*?)<\/\1\s*>)/g;
  for (const m of root[1]!.matchAll(element)) {
    const name = m[1]!;
    if (!(name in fields)) fields[name] = decodeXmlText(m[2] ?? "");
  }
  return fields;
}

/** Decodes entities and CDATA sections of XML character data. */
export function decodeXmlText(text: string): string {
  return text.replace(
    /<!\[CDATA\[([\s\S]*?)\]\]>|&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g,
    (_, cdata: string | undefined, entity: string | undefined) => {
      if (cdata !== undefined) return cdata;
      switch (entity) {
        case "amp":
          return "&";
        case "lt":
          return "<";
        case "gt":
          return ">";
        case "quot":
          return '"';
        case "apos":
          return "'";
      }
      const code = entity!.startsWith("#x")
        ? parseInt(entity!.slice(2), 16)
        : parseInt(entity!.slice(1), 10);
      try {
        return String.fromCodePoint(code);
      } catch {
        return `&${entity};`;
      }
    },
  );
}

/**
 * Decodes an `x-oss-err` header (base64 of the UTF-8 error XML) into the XML text;
 * `undefined` when it is not base64.
 *
 * @example
 * ```ts
 * import { decodeOssErrHeader } from "./errors.ts";
 * const xml = "<Error><Code>NoSuchKey</Code></Error>";
 * console.log(decodeOssErrHeader(btoa(xml))); // <Error><Code>NoSuchKey</Code></Error>
 * ```
 */
export function decodeOssErrHeader(value: string): string | undefined {
  const bytes = fromBase64(value);
  if (!bytes) return undefined;
  return new TextDecoder("utf-8").decode(bytes);
}

/**
 * Parses a `Retry-After` value (delay seconds or an HTTP date) into milliseconds.
 *
 * @example
 * ```ts
 * import { parseRetryAfterMs } from "./errors.ts";
 * console.log(parseRetryAfterMs("3")); // 3000
 * ```
 */
export function parseRetryAfterMs(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Where the failing request went, for the error message. */
export interface ErrorContext {
  /** HTTP method. */
  method: string;
  /** URL without its query string (signatures stay private). */
  url: string;
}

/**
 * Reads at most `limit` bytes of `response`'s body as UTF-8 text, then cancels the rest.
 *
 * @example
 * ```ts
 * import { readBodyText } from "./errors.ts";
 * console.log(await readBodyText(new Response("hello"))); // hello
 * ```
 */
export async function readBodyText(response: Response, limit = MAX_ERROR_BODY): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // A body that breaks off still leaves what arrived: good enough for an error message.
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(total, limit));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
    if (at >= all.length) break;
  }
  return new TextDecoder("utf-8").decode(all);
}

/**
 * Builds the error for a failed response from its body text (already read) and headers:
 * an {@linkcode OssError} for an OSS error document (in the body or in `x-oss-err`), else
 * an {@linkcode HttpError}.
 *
 * @example
 * ```ts
 * import { errorFromOssResponse } from "./errors.ts";
 * const xml = "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>" +
 *   "<RequestId>6551DBCF4311A73039800000</RequestId><EC>0026-00000001</EC></Error>";
 * const response = new Response(null, { status: 404, headers: { "x-oss-err": btoa(xml) } });
 * const error = errorFromOssResponse(response, "", { method: "HEAD", url: "https://b.example/k" });
 * console.log(error.status, (error as { code?: string }).code); // 404 NoSuchKey
 * ```
 */
export function errorFromOssResponse(
  response: Response,
  body: string,
  context: ErrorContext,
): HttpError {
  const h = response.headers;
  let fields = parseOssErrorXml(body);
  if (!fields) {
    const header = h.get("x-oss-err");
    const xml = header ? decodeOssErrHeader(header) : undefined;
    if (xml) fields = parseOssErrorXml(xml);
  }
  const base: HttpErrorInit = { method: context.method, url: context.url };
  const retryAfterMs = parseRetryAfterMs(h.get("retry-after"));
  if (retryAfterMs !== undefined) base.retryAfterMs = retryAfterMs;
  const where = `${context.method} ${context.url}`;
  const requestId = fields?.RequestId || h.get("x-oss-request-id") || undefined;
  const ec = fields?.EC || h.get("x-oss-ec") || undefined;
  if (!fields?.Code) {
    const statusLine = `${response.status} ${response.statusText}`.trimEnd();
    const snippet = summarizeBody(body, statusLine);
    const ids = [requestId && `RequestId ${requestId}`, ec && `EC ${ec}`].filter(Boolean);
    return new HttpError(
      response.status,
      `${where} failed: ${statusLine}` +
        (ids.length ? ` (${ids.join(", ")})` : "") + (snippet ? `: ${snippet}` : ""),
      base,
    );
  }
  const init: OssErrorInit = { ...base, code: fields.Code };
  if (requestId) init.requestId = requestId;
  if (ec) init.ec = ec;
  if (fields.HostId) init.hostId = fields.HostId;
  if (fields.StringToSign !== undefined) init.stringToSign = fields.StringToSign;
  if (fields.CanonicalRequest !== undefined) init.canonicalRequest = fields.CanonicalRequest;
  const serverTime = parseServerTime(fields.ServerTime) ?? parseServerTime(h.get("date"));
  if (serverTime) init.serverTime = serverTime;
  const details = [`${where} -> ${response.status}`];
  if (requestId) details.push(`RequestId ${requestId}`);
  if (ec) details.push(`EC ${ec}`);
  let message = fields.Message || response.statusText || "OSS error";
  if (fields.Code === "SignatureDoesNotMatch") {
    message += " Check the AccessKey secret; the server signed " +
      JSON.stringify(fields.StringToSign ?? "(not sent)");
  } else if (fields.Endpoint) {
    message += ` Use the endpoint ${fields.Endpoint}.`;
  } else if (fields.Code === "RequestTimeTooSkewed" && fields.ServerTime) {
    message += ` Server time ${fields.ServerTime}, request time ${fields.RequestTime ?? "?"}.`;
  }
  return new OssError(response.status, `${message} (${details.join(", ")})`, init);
}

/**
 * Reads (a bounded amount of) the body of a failed `response` and builds its error; see
 * {@linkcode errorFromOssResponse}.
 *
 * @example
 * ```ts
 * import { ossErrorFromResponse } from "./errors.ts";
 * const response = new Response("<Error><Code>AccessDenied</Code><Message>no</Message></Error>", {
 *   status: 403,
 * });
 * const error = await ossErrorFromResponse(response, { method: "GET", url: "https://b.example/k" });
 * console.log(error.name); // OssError
 * ```
 */
export async function ossErrorFromResponse(
  response: Response,
  context: ErrorContext,
): Promise<HttpError> {
  const body = await readBodyText(response);
  return errorFromOssResponse(response, body, context);
}

/** How much of a body an error message quotes at most. */
const SNIPPET_LENGTH = 200;

/**
 * What an error message quotes of a non-OSS error body: for an HTML page its `<title>` (or
 * first heading, or its text), otherwise the first non-empty line; whitespace and control
 * characters collapsed to single spaces, at most 200 characters. Empty when it would only
 * repeat `statusLine` (nginx's `404 Not Found` page says nothing else).
 *
 * @example
 * ```ts
 * import { summarizeBody } from "./errors.ts";
 * const page = "<html>\n<head><title>404 Not Found</title></head>\n<body>...</body>\n</html>";
 * console.log(JSON.stringify(summarizeBody(page, "404 Not Found"))); // ""
 * console.log(summarizeBody("quota exceeded\nsee https://example.com/help", "429")); // quota exceeded
 * ```
 */
export function summarizeBody(body: string, statusLine = ""): string {
  let text = body.trim();
  if (text === "") return "";
  if (/^<(?:!doctype\s+html|html|head|body|title|h1|p)\b/i.test(text)) {
    const pick = (tag: string) =>
      new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}\\s*>`, "i").exec(text)?.[1];
    const inner = pick("title") ?? pick("h1") ??
      text.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ");
    text = decodeXmlText(inner.replace(/<[^>]*>/g, " "));
  } else {
    text = text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "";
  }
  // deno-lint-ignore no-control-regex
  text = text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  if (text === "" || statusLine.toLowerCase().includes(text.toLowerCase())) return "";
  const chars = Array.from(text);
  return chars.length > SNIPPET_LENGTH ? `${chars.slice(0, SNIPPET_LENGTH).join("")}…` : text;
}

/** A Date from an ISO or HTTP date string; `undefined` when absent or unparsable. */
function parseServerTime(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value.trim());
  return Number.isNaN(t) ? undefined : new Date(t);
}
