/**
 * The heavy CRC-64 check, kept out of the test suite because its time depends on the machine:
 * streams 5 GiB + 7 bytes of real data through the hasher the library picks and checks that
 * combine with a length above 2^32 gives the same CRC (B's CRC built by combine doubling).
 * The suite holds the same property at 64 MiB and the combine algebra at 5 GiB.
 *
 *     deno run -A bench/crc64_5gib.ts
 *     bun bench/crc64_5gib.ts
 *
 * Prints the time taken and exits 1 on a mismatch.
 *
 * @module
 */

import { createCrc64 } from "../src/integrity/crc64.ts";
import { crc64Js } from "../src/integrity/crc64_table.ts";
import { crc64Combine, crc64CombineMatrix } from "../src/integrity/crc64_combine.ts";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const size = 5 * GiB;

const pattern = new Uint8Array(4 * MiB);
for (let off = 0; off < pattern.length; off += 65536) {
  crypto.getRandomValues(pattern.subarray(off, off + 65536));
}
const a = crypto.getRandomValues(new Uint8Array(1001));
const tail = crypto.getRandomValues(new Uint8Array(7));

const started = performance.now();
const h = await createCrc64(crc64Js(a));
for (let n = 0; n < size; n += pattern.length) h.update(pattern);
h.update(tail);
const streamed = h.digest();
const seconds = (performance.now() - started) / 1000;

let zB = crc64Js(pattern), len = pattern.length;
while (len < 4 * GiB) {
  zB = crc64Combine(zB, zB, len);
  len *= 2;
}
let z5 = zB;
for (let n = 4 * GiB; n < size; n += pattern.length) {
  z5 = crc64Combine(z5, crc64Js(pattern), pattern.length);
}
const crcB = crc64Combine(z5, crc64Js(tail), 7);
const fast = crc64Combine(crc64Js(a), crcB, size + 7);
const matrix = crc64CombineMatrix(crc64Js(a), crcB, size + 7);
const ok = fast === streamed && matrix === streamed;
console.log(
  `streamed 5 GiB + 7 in ${seconds.toFixed(2)} s (${(size / seconds / 1e9).toFixed(2)} GB/s); ` +
    `combine ${ok ? "matches" : `DIFFERS (streamed ${streamed}, fast ${fast}, matrix ${matrix})`}`,
);
if (!ok) process.exitCode = 1;
