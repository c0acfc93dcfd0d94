/**
 * `npm run bench:first-load [-- --dir .next]`: the JavaScript a browser loads for each page of the last production
 * build (`npm run build`), before any interaction: the root main files plus every chunk the page's layouts and the
 * page itself name in its client reference manifest. Sizes raw and gzip-compressed (what Next's build output used
 * to call "First Load JS"). Target: the workspace overview under 250 kB (gzip).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const args = process.argv.slice(2);
const dir = path.resolve(args.includes("--dir") ? args[args.indexOf("--dir") + 1]! : ".next");
if (!existsSync(path.join(dir, "build-manifest.json"))) {
  console.error(`no production build in ${dir}: run npm run build first`);
  process.exit(2);
}
const build = JSON.parse(readFileSync(path.join(dir, "build-manifest.json"), "utf8")) as { rootMainFiles: string[]; polyfillFiles: string[] };

function manifests(at: string): string[] {
  return readdirSync(at).flatMap((name) => {
    const full = path.join(at, name);
    if (statSync(full).isDirectory()) return manifests(full);
    return name === "page_client-reference-manifest.js" ? [full] : [];
  });
}

const sizes = new Map<string, { raw: number; gzip: number }>();
function sizeOf(file: string) {
  let s = sizes.get(file);
  if (!s) {
    const body = readFileSync(path.join(dir, file));
    s = { raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
    sizes.set(file, s);
  }
  return s;
}

const rows: { route: string; files: number; raw: number; gzip: number }[] = [];
for (const file of manifests(path.join(dir, "server/app"))) {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("= {");
  const manifest = JSON.parse(text.slice(start + 2).replace(/;\s*$/, "")) as { entryJSFiles?: Record<string, string[]> };
  const route = `/${path.relative(path.join(dir, "server/app"), path.dirname(file))}`.replace(/\/$/, "") || "/";
  if (route.startsWith("/api") || route.includes("_not-found")) continue;
  const chunks = new Set([...build.rootMainFiles, ...Object.values(manifest.entryJSFiles ?? {}).flat()]);
  let raw = 0;
  let gzip = 0;
  for (const chunk of chunks) {
    const s = sizeOf(chunk);
    raw += s.raw;
    gzip += s.gzip;
  }
  rows.push({ route, files: chunks.size, raw, gzip });
}
rows.sort((a, b) => a.route.localeCompare(b.route));
const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
console.log(`First-load JavaScript per page (${dir}; gzip level 9)`);
console.log(`| page | chunks | raw | gzip |\n| --- | --- | --- | --- |`);
for (const r of rows) console.log(`| ${r.route} | ${r.files} | ${kb(r.raw)} | ${kb(r.gzip)} |`);
const overview = rows.find((r) => r.route === "/w/[workspace]");
if (overview) console.log(`::figure:: ${JSON.stringify({ name: "first_load.overview.gzip", value: overview.gzip / 1024, unit: "kB" })}`);
if (overview) console.log(`overview: ${kb(overview.gzip)} gzip (target < 250 kB: ${overview.gzip / 1024 < 250 ? "met" : "NOT met"})`);
