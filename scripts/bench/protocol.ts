/**
 * `npm run bench:protocol -- [--runs 5] [--base <git ref>] -- <bench> [bench options]`: the benchmark protocol.
 *
 * Runs `scripts/bench/<bench>.ts` (router, orchestration, …) `--runs` times as separate processes and reports, for
 * every figure the bench prints (scripts/bench/figures.ts), the mean with its 95% confidence interval (Student's t)
 * over the runs. With `--base <ref>`, the same bench also runs on that commit (checked out into a temporary git
 * worktree sharing this node_modules), alternating base and head run by run (ABBA order, so a drift of the machine
 * falls on both), and the report adds the paired difference head - base with its interval: a change is shown only
 * where that interval excludes 0. The base must be a commit whose benches print figure lines.
 * The commit(s) measured, the regime (bench options such as --stub-latency 1500 or --cold) and the load average
 * before and after are printed with the figures, ready for docs/benchmarks.md.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Interval, meanInterval, pairedInterval, parseFigures } from "./figures";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const argv = process.argv.slice(2);
const split = argv.indexOf("--");
const own = split >= 0 ? argv.slice(0, split) : argv;
const benchArgs = split >= 0 ? argv.slice(split + 1) : [];
const option = (name: string) => {
  const at = own.indexOf(`--${name}`);
  return at >= 0 ? own[at + 1] : undefined;
};
const runs = Math.max(2, Number(option("runs") ?? 5));
const baseRef = option("base");
const bench = benchArgs[0];
if (!bench || !/^[a-z-]+$/.test(bench) || !existsSync(path.join(repoRoot, "scripts/bench", `${bench}.ts`))) {
  console.error("usage: npm run bench:protocol -- [--runs 5] [--base <git ref>] -- <bench: router | orchestration | …> [bench options]");
  process.exit(2);
}

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
const describeCommit = (cwd: string) => `${git(cwd, "rev-parse", "--short", "HEAD")}${git(cwd, "status", "--porcelain") ? " (+ uncommitted changes)" : ""}`;

function runBench(cwd: string): Promise<Map<string, { value: number; unit: string }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), [path.join("scripts/bench", `${bench}.ts`), ...benchArgs.slice(1)], {
      cwd,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`${bench} exited with ${code} in ${cwd}`));
      const figures = new Map(parseFigures(out).map((f) => [f.name, { value: f.value, unit: f.unit }]));
      if (figures.size === 0) return reject(new Error(`${bench} printed no figure lines in ${cwd} (a commit before the protocol?)`));
      resolve(figures);
    });
  });
}

function baseWorktree(ref: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "cadre-bench-base-"));
  git(repoRoot, "worktree", "add", "--detach", dir, ref);
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
  execFileSync(process.execPath, ["scripts/prisma-generate.mjs"], { cwd: dir, stdio: "ignore" });
  return {
    dir,
    remove: () => {
      try {
        git(repoRoot, "worktree", "remove", "--force", dir);
      } catch {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));
const interval = (i: Interval, unit: string) => `${fmt(i.mean)} ± ${Number.isNaN(i.halfWidth) ? "?" : fmt(i.halfWidth)} ${unit}`;

const load0 = loadavg()[0]!.toFixed(2);
const base = baseRef ? baseWorktree(baseRef) : null;
try {
  const head: Map<string, number[]> = new Map();
  const before: Map<string, number[]> = new Map();
  const units = new Map<string, string>();
  const add = (into: Map<string, number[]>, figures: Map<string, { value: number; unit: string }>) => {
    for (const [name, f] of figures) {
      units.set(name, f.unit);
      into.set(name, [...(into.get(name) ?? []), f.value]);
    }
  };
  for (let i = 0; i < runs; i++) {
    // ABBA: base first on even pairs, head first on odd ones
    const order = base ? (i % 2 === 0 ? ["base", "head"] : ["head", "base"]) : ["head"];
    for (const which of order) {
      process.stderr.write(`[protocol] run ${i + 1}/${runs} ${which}\n`);
      add(which === "base" ? before : head, await runBench(which === "base" ? base!.dir : repoRoot));
    }
  }
  const load1 = loadavg()[0]!.toFixed(2);
  console.log(`\nbench: ${bench} ${benchArgs.slice(1).join(" ")}`.trimEnd());
  console.log(`commit: ${describeCommit(repoRoot)}${base ? `, base: ${baseRef} (${git(base.dir, "rev-parse", "--short", "HEAD")})` : ""}`);
  console.log(
    `runs: ${runs}${base ? " per side, paired (ABBA)" : ""}; load average ${load0} before, ${load1} after (${availableParallelism()} cores); ${new Date().toISOString()}`,
  );
  console.log(base ? "\n| figure | base (mean ± 95% CI) | head (mean ± 95% CI) | head - base (paired) |" : "\n| figure | mean ± 95% CI | min | max |");
  console.log(base ? "| --- | --- | --- | --- |" : "| --- | --- | --- | --- |");
  for (const [name, values] of head) {
    const unit = units.get(name) ?? "";
    if (base) {
      const b = before.get(name) ?? [];
      const d = pairedInterval(b, values);
      const verdict = Number.isNaN(d.halfWidth) ? "" : Math.abs(d.mean) > d.halfWidth ? "" : " (no change shown)";
      console.log(`| ${name} | ${interval(meanInterval(b), unit)} | ${interval(meanInterval(values), unit)} | ${interval(d, unit)}${verdict} |`);
    } else {
      console.log(`| ${name} | ${interval(meanInterval(values), unit)} | ${fmt(Math.min(...values))} | ${fmt(Math.max(...values))} |`);
    }
  }
} finally {
  base?.remove();
}
