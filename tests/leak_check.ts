/** Test helpers for redaction: a leak assertion and a port nothing listens on. */
import assert from "node:assert/strict";
import { createServer } from "node:net";

/** Asserts that none of `secrets` (nor their URL-encoded forms) appears in `text`. */
export function assertNoSecrets(text: string, secrets: string[]): void {
  for (const s of secrets) {
    for (const form of [s, encodeURIComponent(s)]) {
      assert.ok(!text.includes(form), `${JSON.stringify(form)} leaked in:\n${text}`);
    }
  }
}

/** A loopback port nothing listens on (bound, then released). */
export function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
