/**
 * The answer to GetObject, HeadObject and GetObjectMeta for an object that exists:
 * conditionals, ranges, headers, and the body with the range and body faults applied.
 *
 * @module
 */

import { type BodyPlan, bodyStream } from "./body.ts";
import { evaluateConditionals } from "./conditionals.ts";
import { type ErrorContext, errorResponse, ERRORS } from "./errors.ts";
import {
  applyResponseOverrides,
  baseHeaders,
  objectHeaders,
  objectMetaHeaders,
} from "./headers.ts";
import { parseRange, resolveRange } from "./ranges.ts";
import type { Fault, StoredObject } from "./types.ts";

/** Everything one answer depends on. */
export interface ObjectRequest {
  req: Request;
  url: URL;
  object: StoredObject;
  /** The request id and where, for error answers. */
  ctx: ErrorContext;
  fault: Fault | undefined;
  multiRange: "416" | "first";
  /** How to stream a body (the rest of the plan comes from the range). */
  streaming: Omit<BodyPlan, "data" | "start" | "length" | "fault">;
}

/** Answers a GET or HEAD for an existing object. */
export function answerObject(r: ObjectRequest): Response {
  const { req, url, object, ctx, fault } = r;
  if (req.method === "HEAD" && url.searchParams.has("objectMeta")) {
    return new Response(null, { headers: objectMetaHeaders(ctx.requestId, object) });
  }
  const condition = evaluateConditionals(req.headers, object);
  if (condition === "precondition-failed") return errorResponse(ERRORS.PreconditionFailed, ctx);
  if (condition === "not-modified") {
    const headers = baseHeaders(ctx.requestId);
    headers.set("etag", object.etag);
    headers.set("last-modified", object.lastModified.toUTCString());
    return new Response(null, { status: 304, headers });
  }

  const size = object.data.length;
  const headers = objectHeaders(ctx.requestId, object);
  if (req.method === "HEAD") {
    // HeadObject ignores Range (guess: it is not among HeadObject's documented headers).
    headers.set("content-length", String(size));
    if (object.contentMd5) headers.set("content-md5", object.contentMd5);
    return new Response(null, { headers });
  }
  applyResponseOverrides(headers, url.searchParams);

  const standard = req.headers.get("x-oss-range-behavior")?.trim().toLowerCase() === "standard";
  const decision = fault?.kind === "ignore-range"
    ? { kind: "full" as const }
    : resolveRange(parseRange(req.headers.get("range")), size, {
      standard,
      multiRange: r.multiRange,
    });
  if (decision.kind === "unsatisfiable") return errorResponse(ERRORS.InvalidRange, ctx);

  let status = 200, start = 0, end = size - 1;
  if (decision.kind === "partial") [status, start, end] = [206, decision.start, decision.end];
  let label = { start, end };
  if (status === 206 && fault?.kind === "wrong-content-range") {
    // The wrong bytes, labelled as such: both move, clamped to the object.
    start = Math.min(Math.max(0, start + fault.shift), size - 1);
    end = Math.min(size - 1, start + (end - label.start));
    label = { start, end };
  } else if (status === 206 && fault?.kind === "lie-content-range") {
    label = { start: start + fault.shift, end: end + fault.shift };
  }
  if (status === 206) headers.set("content-range", `bytes ${label.start}-${label.end}/${size}`);
  else if (object.contentMd5) headers.set("content-md5", object.contentMd5);
  const length = size === 0 ? 0 : end - start + 1;
  headers.set("content-length", String(length));

  const body = bodyStream({
    ...r.streaming,
    data: object.data,
    start,
    length: fault?.kind === "short-body" ? Math.min(fault.bytes, length) : length,
    fault,
  });
  return new Response(body, { status, headers });
}
