/**
 * `npm run sdk:generate`: writes the generated files of the TypeScript and Python SDKs (packages/sdk-ts,
 * packages/sdk-python) from the OpenAPI document of server/rest/openapi.ts. Run it after any change to a REST route or
 * its schemas; scripts/sdk/generate.test.ts fails while the committed files differ from what it would write.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openApiDocument } from "@/server/rest/openapi";
import { sdkFiles } from "./files";
import type { OpenApiDoc } from "./openapi-model";

const root = path.resolve(import.meta.dirname, "../..");
for (const [file, text] of Object.entries(sdkFiles(openApiDocument() as unknown as OpenApiDoc))) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
  console.log(`wrote ${file} (${text.length} characters)`);
}
