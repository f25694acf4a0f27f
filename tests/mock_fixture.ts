/** One mock OSS on a real socket per describe() block, and a fresh temp dir per test. */
import { after, before, beforeEach } from "node:test";
import { MockOss, type MockOssOptions } from "./mock_oss/mod.ts";
import { tempDir } from "./helpers.ts";

/**
 * Starts a {@linkcode MockOss} before the block's tests and stops it after; before each test
 * clears faults and counters and makes a new temp dir (`dir.path`), removed afterwards.
 */
export function useMockOss(bucket: string, options: MockOssOptions = {}) {
  const mock = new MockOss({ bucket, ...options });
  let server: { close(): Promise<void> } | undefined;
  let current: { path: string; cleanup: () => Promise<void> } | undefined;
  before(async () => {
    server = await mock.listen();
  });
  after(async () => {
    await server?.close();
    await current?.cleanup();
  });
  beforeEach(async () => {
    mock.clearFaults();
    mock.resetStats();
    await current?.cleanup();
    current = await tempDir();
  });
  const dir = {
    get path(): string {
      if (!current) throw new Error("dir.path is only available inside a test");
      return current.path;
    },
  };
  return { mock, dir };
}
