/**
 * The mock's buckets, objects and versions, and how a put computes ETag, CRC and dates.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { crc64, md5 } from "hash-wasm";
import type { PutOptions, StoredObject } from "./types.ts";

const MULTIPART_PART = 8 * 1024 * 1024;

/** CRC-64/XZ (OSS's "crc64ecma") of `data` as the unsigned decimal OSS sends. */
export async function crc64Decimal(data: Uint8Array): Promise<string> {
  return BigInt(`0x${await crc64(data)}`).toString();
}

/** Builds the stored form of an object, computing what the options leave out. */
export async function makeObject(
  bucket: string,
  key: string,
  data: Uint8Array,
  options: PutOptions = {},
): Promise<StoredObject> {
  const objectType = options.objectType ?? "Normal";
  let etag = options.etag;
  let contentMd5: string | undefined;
  if (etag === undefined) {
    if (objectType === "Multipart") {
      etag = await multipartEtag(data);
    } else {
      const hex = await md5(data);
      etag = `"${hex.toUpperCase()}"`;
      if (objectType === "Normal") contentMd5 = Buffer.from(hex, "hex").toString("base64");
    }
  }
  const stored: StoredObject = {
    bucket,
    key,
    data,
    etag,
    lastModified: wholeSeconds(options.lastModified ?? new Date()),
    crc64: options.crc64 === undefined ? await crc64Decimal(data) : options.crc64,
    objectType,
    contentType: options.contentType ?? "application/octet-stream",
    meta: { ...options.meta },
  };
  if (options.versionId !== undefined) stored.versionId = options.versionId;
  if (contentMd5 !== undefined) stored.contentMd5 = contentMd5;
  return stored;
}

/** `"<MD5 of the parts' binary MD5s>-N"` with 8 MiB parts, the usual multipart form. */
async function multipartEtag(data: Uint8Array): Promise<string> {
  const parts = Math.max(1, Math.ceil(data.length / MULTIPART_PART));
  const digests = new Uint8Array(16 * parts);
  for (let i = 0; i < parts; i++) {
    const part = data.subarray(i * MULTIPART_PART, (i + 1) * MULTIPART_PART);
    digests.set(Buffer.from(await md5(part), "hex"), 16 * i);
  }
  return `"${(await md5(digests)).toUpperCase()}-${parts}"`;
}

/** Drops milliseconds: Last-Modified travels as an RFC 1123 date. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

interface Entry {
  current: StoredObject;
  versions: Map<string, StoredObject>;
}

/** Buckets of keys; each key has a current object and the versions put with a versionId. */
export class ObjectStore {
  readonly #buckets = new Map<string, Map<string, Entry>>();

  /** Creates the bucket if it does not exist. */
  addBucket(bucket: string): void {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, new Map());
  }

  /** Whether the bucket exists. */
  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  /** The current object, if any. */
  get(bucket: string, key: string): StoredObject | undefined {
    return this.#buckets.get(bucket)?.get(key)?.current;
  }

  /** The current objects of a bucket, in no particular order (for listings). */
  *list(bucket: string): IterableIterator<StoredObject> {
    for (const entry of this.#buckets.get(bucket)?.values() ?? []) yield entry.current;
  }

  /** The version with this id, if any. */
  version(bucket: string, key: string, versionId: string): StoredObject | undefined {
    return this.#buckets.get(bucket)?.get(key)?.versions.get(versionId);
  }

  /** Makes `object` the current one (keeping earlier versions reachable by id). */
  set(object: StoredObject): void {
    this.addBucket(object.bucket);
    const keys = this.#buckets.get(object.bucket)!;
    const entry = keys.get(object.key) ?? { current: object, versions: new Map() };
    entry.current = object;
    if (object.versionId !== undefined) entry.versions.set(object.versionId, object);
    keys.set(object.key, entry);
  }

  /** Deletes the key and all its versions. */
  remove(bucket: string, key: string): void {
    this.#buckets.get(bucket)?.delete(key);
  }
}
