/**
 * The mock OSS server for tests: {@linkcode MockOss} and its helpers.
 *
 * @module
 */

export * from "./server.ts";
export { defaultBackend, serve } from "./listen.ts";
export { DroppedConnection } from "./body.ts";
export { crc64Decimal } from "./objects.ts";
export { objectPath } from "./keys.ts";
export { type ErrorKind, ERRORS } from "./errors.ts";
