/**
 * ListObjectsV2 (`GET /?list-type=2`): the query a page is asked with, and the XML it comes
 * back as. Keys are always requested with `encoding-type=url` (XML 1.0 cannot carry every
 * byte a key may hold) and decoded here, so callers see keys exactly as stored. Web APIs
 * only.
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import type { FetchLike } from "../fetch_like.ts";
import { decodeXmlText } from "./errors.ts";
import { show } from "./keys.ts";

/** Most keys OSS returns in one page. */
export const MAX_LIST_KEYS = 1000;

/** Options of {@linkcode Bucket.listObjects} and {@linkcode Bucket.listAllObjects}. */
export interface ListObjectsOptions {
  /** Only keys starting with this. */
  prefix?: string;
  /** Group keys by the next occurrence of this one character (usually `/`) into `commonPrefixes`. */
  delimiter?: string;
  /** Only keys after this one (in UTF-8 byte order). */
  startAfter?: string;
  /** `nextContinuationToken` of the previous page. */
  continuationToken?: string;
  /** Keys (plus common prefixes) per page, 1 to 1000; OSS's default is 100. */
  maxKeys?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** The fetch to use instead of the bucket's. */
  fetch?: FetchLike;
}

/** An object as a listing describes it. */
export interface ListedObject {
  /** The key, decoded. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** ETag as OSS sends it (quoted). */
  etag?: string;
  /** ISO 8601 time of the last change. */
  lastModified?: string;
  /** `Normal`, `Multipart`, `Appendable` or `Symlink`. */
  type?: string;
  /** `Standard`, `IA`, `Archive`, ... */
  storageClass?: string;
}

/** One page of a listing. */
export interface ListObjectsPage {
  /** The bucket name. */
  name: string;
  /** The prefix asked for, decoded. */
  prefix: string;
  /** The delimiter asked for, if any. */
  delimiter?: string;
  /** Whether more pages follow. */
  isTruncated: boolean;
  /** Token for the next page, when truncated. */
  nextContinuationToken?: string;
  /** The objects of this page, in key order. */
  objects: ListedObject[];
  /** The common prefixes of this page (with a delimiter), decoded. */
  commonPrefixes: string[];
}

/**
 * The query of one ListObjectsV2 request; validates the options.
 *
 * @example
 * ```ts
 * import { listObjectsQuery } from "./list.ts";
 * console.log(listObjectsQuery({ prefix: "a/", maxKeys: 2 }));
 * // [["list-type","2"],["encoding-type","url"],["prefix","a/"],["max-keys","2"]]
 * ```
 */
export function listObjectsQuery(options: ListObjectsOptions): [string, string][] {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`'options' must be an object: got ${show(options)}`);
  }
  const query: [string, string][] = [["list-type", "2"], ["encoding-type", "url"]];
  const strings = [
    ["prefix", "prefix"],
    ["delimiter", "delimiter"],
    ["startAfter", "start-after"],
    ["continuationToken", "continuation-token"],
  ] as const;
  for (const [option, param] of strings) {
    const value = options[option];
    if (value === undefined || value === "") continue;
    if (typeof value !== "string") {
      throw new TypeError(`'${option}' must be a string: got ${show(value)}`);
    }
    query.push([param, value]);
  }
  if (options.delimiter !== undefined && [...options.delimiter].length > 1) {
    throw new RangeError(`'delimiter' must be one character: got ${show(options.delimiter)}`);
  }
  if (options.maxKeys !== undefined) {
    const n = options.maxKeys;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_LIST_KEYS) {
      throw new RangeError(
        `'maxKeys' must be an integer from 1 to ${MAX_LIST_KEYS}: got ${show(n)}`,
      );
    }
    query.push(["max-keys", String(n)]);
  }
  return query;
}

/** The decoded text of the first `<name>` element of `xml`, if any. */
function element(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}\\s*>|<${name}\\s*/>`).exec(xml);
  return m ? decodeXmlText(m[1] ?? "") : undefined;
}

/** Every `<name>...</name>` block of `xml`, raw. */
function blocks(xml: string, name: string): string[] {
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}\\s*>`, "g");
  return [...xml.matchAll(re)].map((m) => m[1]!);
}

/**
 * Parses a ListObjectsV2 answer; with `<EncodingType>url</EncodingType>` the keys,
 * prefixes, delimiter and start-after are percent-decoded. Anything that is not a listing
 * is a {@linkcode ProtocolError}.
 *
 * @example
 * ```ts
 * import { parseListObjectsV2 } from "./list.ts";
 * const page = parseListObjectsV2(
 *   `<ListBucketResult><Name>b</Name><Prefix></Prefix><EncodingType>url</EncodingType>` +
 *     `<IsTruncated>false</IsTruncated><Contents><Key>a%20b%2Bc</Key><Size>3</Size>` +
 *     `<ETag>"X"</ETag></Contents></ListBucketResult>`,
 * );
 * console.log(page.objects[0]); // { key: "a b+c", size: 3, etag: '"X"' }
 * ```
 */
export function parseListObjectsV2(xml: string): ListObjectsPage {
  const root = /<ListBucketResult(?:\s[^>]*)?>([\s\S]*)<\/ListBucketResult\s*>/.exec(xml);
  if (!root) {
    throw new ProtocolError(
      `the listing is not a ListBucketResult document: ${show(xml.slice(0, 200))}`,
    );
  }
  const body = root[1]!;
  // Common prefixes and contents have their own <Prefix>/<Key>: read the top level from the
  // text with those blocks cut out.
  const top = body.replace(/<(Contents|CommonPrefixes)(?:\s[^>]*)?>[\s\S]*?<\/\1\s*>/g, "");
  const url = element(top, "EncodingType")?.trim().toLowerCase() === "url";
  const decode = (text: string, what: string): string => {
    if (!url) return text;
    try {
      return decodeURIComponent(text);
    } catch {
      throw new ProtocolError(`the listing holds a badly encoded ${what}: ${show(text)}`);
    }
  };
  const truncatedText = element(top, "IsTruncated")?.trim();
  if (truncatedText !== "true" && truncatedText !== "false") {
    throw new ProtocolError(`the listing has no valid IsTruncated: ${show(truncatedText)}`);
  }
  const page: ListObjectsPage = {
    name: element(top, "Name") ?? "",
    prefix: decode(element(top, "Prefix") ?? "", "prefix"),
    isTruncated: truncatedText === "true",
    objects: [],
    commonPrefixes: [],
  };
  const delimiter = element(top, "Delimiter");
  if (delimiter) page.delimiter = decode(delimiter, "delimiter");
  const token = element(top, "NextContinuationToken");
  if (token) page.nextContinuationToken = token;
  if (page.isTruncated && !token) {
    throw new ProtocolError("the listing is truncated but has no NextContinuationToken");
  }
  for (const block of blocks(body, "Contents")) {
    const key = element(block, "Key");
    const sizeText = element(block, "Size")?.trim();
    if (!key || sizeText === undefined || !/^\d+$/.test(sizeText)) {
      throw new ProtocolError(`the listing has an entry without Key or Size: ${show(block)}`);
    }
    const object: ListedObject = { key: decode(key, "key"), size: Number(sizeText) };
    const etag = element(block, "ETag");
    if (etag) object.etag = etag.trim();
    const lastModified = element(block, "LastModified");
    if (lastModified) object.lastModified = lastModified.trim();
    const type = element(block, "Type");
    if (type) object.type = type.trim();
    const storageClass = element(block, "StorageClass");
    if (storageClass) object.storageClass = storageClass.trim();
    page.objects.push(object);
  }
  for (const block of blocks(body, "CommonPrefixes")) {
    const prefix = element(block, "Prefix");
    if (prefix) page.commonPrefixes.push(decode(prefix, "prefix"));
  }
  return page;
}
