/**
 * The query parameters of presigned and expiring URLs that carry credentials, signatures
 * and expiry rather than the object's identity, per family:
 *
 * - OSS v1 `OSSAccessKeyId`, `Expires`, `Signature`, `security-token`; v4 `x-oss-*`;
 * - S3 SigV4 `X-Amz-*`; SigV2 `AWSAccessKeyId`, `Expires`, `Signature`;
 * - GCS V4 `X-Goog-*`; V2 `GoogleAccessId`, `Expires`, `Signature`;
 * - Azure SAS `sv`, `ss`, `srt`, `sp`, `se`, `st`, `spr`, `sip`, `sr`, `sig`, `skoid`,
 *   `sktid`, `skt`, `ske`, `sks`, `skv`, `sdd`, `rscc`, `rscd`, `rsce`, `rscl`, `rsct`
 *   (only when `sig` is there: such short names may mean something else elsewhere);
 * - CloudFront `Expires`, `Policy`, `Signature`, `Key-Pair-Id` (`Policy` only next to
 *   `Key-Pair-Id`).
 *
 * Any other scheme: pass `DownloadOptions.checkpointId`.
 *
 * @module
 */

/** Always signature material, whatever the host. */
const ALWAYS =
  /^(ossaccesskeyid|expires|signature|security-token|x-oss-.+|x-amz-.+|awsaccesskeyid|x-goog-.+|googleaccessid|key-pair-id)$/i;

/** Azure SAS parameters (case-sensitive, as Azure reads them). */
const AZURE_SAS = new Set([
  "sv",
  "ss",
  "srt",
  "sp",
  "se",
  "st",
  "spr",
  "sip",
  "sr",
  "sig",
  "skoid",
  "sktid",
  "skt",
  "ske",
  "sks",
  "skv",
  "sdd",
  "rscc",
  "rscd",
  "rsce",
  "rscl",
  "rsct",
]);

/** The names among `params` that are signature material, not identity. */
export function signatureParams(params: URLSearchParams): Set<string> {
  const out = new Set<string>();
  const sas = params.has("sig");
  const cloudFront = params.has("Key-Pair-Id");
  for (const name of params.keys()) {
    if (ALWAYS.test(name) || (sas && AZURE_SAS.has(name)) || (cloudFront && name === "Policy")) {
      out.add(name);
    }
  }
  return out;
}
