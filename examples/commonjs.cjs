// From CommonJS on Node.js: the package is ESM only. `await import()` works on every
// supported Node.js; `require()` also works on Node.js 20.19+ and 22.12+, which load ES
// modules synchronously when they have no top-level await (this package has none).
//   node commonjs.cjs
async function main() {
  const { resumableDownloadUrl } = await import("resumable-download");
  console.log(typeof resumableDownloadUrl); // function

  const viaRequire = require("resumable-download");
  console.log(typeof viaRequire.resumableDownloadUrl); // function (Node.js 20.19+)
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
