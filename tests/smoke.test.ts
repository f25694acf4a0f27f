import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DownloadError, HttpError, OssError } from "../src/errors.ts";

describe("errors", () => {
  it("OssError is an HttpError and a DownloadError with its fields", () => {
    const e = new OssError(404, "The specified key does not exist.", {
      code: "NoSuchKey",
      requestId: "ABC",
      ec: "0026-00000001",
    });
    assert.ok(e instanceof HttpError && e instanceof DownloadError);
    assert.equal(e.status, 404);
    assert.equal(e.code, "NoSuchKey");
    assert.equal(e.requestId, "ABC");
    assert.equal(e.ec, "0026-00000001");
    assert.equal(e.name, "OssError");
  });
});
