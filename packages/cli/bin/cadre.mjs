#!/usr/bin/env node
// The `cadre` command. Installed from its package: the JavaScript of ../dist (built by `npm pack`'s prepack). In a clone
// of the repository, where src/ is (the package ships no src/), its TypeScript is loaded through tsx (a dependency of
// Cadre), scoped to this import, with the repository's tsconfig.json: its `paths` resolve `@cadre/sdk` to the SDK's
// source (packages/sdk-ts/src), so nothing needs building first.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = new URL("../src/main.ts", import.meta.url);
const { main } = existsSync(source)
  ? await (await import("tsx/esm/api")).tsImport(source.href, {
      parentURL: import.meta.url,
      tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)),
    })
  : await import("../dist/main.js");
process.exitCode = await main(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
