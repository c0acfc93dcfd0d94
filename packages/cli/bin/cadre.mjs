#!/usr/bin/env node
// The `cadre` command. No build step: the TypeScript of ../src is loaded through tsx (a dependency of Cadre), scoped to
// this import and without reading a tsconfig of the current directory.
import { tsImport } from "tsx/esm/api";

const { main } = await tsImport("../src/main.ts", { parentURL: import.meta.url, tsconfig: false });
process.exitCode = await main(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
