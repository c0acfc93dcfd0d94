import { createRequire } from "node:module";

/** The package's own version (package.json, one directory above src/ and dist/ alike): --version, the user agent. */
export const CLI_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
