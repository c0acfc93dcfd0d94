/**
 * `npm run bench:marketplace-install [postgresql://…]`: installing a marketplace listing, on the PostgreSQL server
 * whose URL is the first argument (a scratch database, dropped at the end) or on embedded PGlite (served on 127.0.0.1
 * as `npm start` does). A publisher workspace builds a 5-agent sequential team (two of its agents granted a custom
 * HTTP tool that needs a secret) and publishes it through publishListing; then BENCH_INSTALLS fresh installer
 * workspaces (default 30, each with its own secret to bind) install it through installListing, the consent fetched
 * before the timer. Prints p50/p95/max and the SQL statements sent per install (BENCH_LIST_SQL=1 lists the last
 * install's); the target is p95 <= 200 ms.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { figure } from "./figures";
import { scratchDatabase } from "./scratch-database";

const serverUrl = process.argv[2];
const INSTALLS = Number(process.env.BENCH_INSTALLS ?? 30);
const WARMUP = 3;
const AGENTS = 5;

const sorted = (x: number[]) => [...x].sort((p, q) => p - q);
const pct = (x: number[], p: number) => sorted(x)[Math.min(x.length - 1, Math.floor(x.length * p))]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

// statements as the pg client sends them (a pipelined group counts each), patched before the pool captures query
let counting = false;
const sent = new Map<string, number>();
const clientQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function (this: unknown, ...a: unknown[]) {
  if (counting) {
    const q = a[0] as string | { text?: string };
    const text = (typeof q === "string" ? q : (q?.text ?? "?"))
      .replace(/\s+/g, " ")
      .replace(/^(BEGIN; )?SELECT set_config[^;]*;\s*/, "[scope] ")
      .slice(0, 110);
    sent.set(text, (sent.get(text) ?? 0) + 1);
  }
  return clientQuery.apply(this, a);
} as typeof pg.Client.prototype.query;

async function main() {
  process.env.CADRE_MASTER_KEY ??= Buffer.alloc(32, 9).toString("base64");
  const { url, stop } = await scratchDatabase(serverUrl, "marketplace_install");
  try {
    const { migrate } = await import("../../server/db/migrate");
    const { setEnv } = await import("../../server/env");
    await migrate(url);
    setEnv("DATABASE_URL", url);
    setEnv("LOG_LEVEL", "silent");
    const { db: scopedDb, SYSTEM, disconnectDb } = await import("../../server/db/client");
    const { newId } = await import("../../lib/ids");
    const { permissionsOf } = await import("../../lib/permissions");
    const { ensureDefaultCatalog } = await import("../../server/models/catalog");
    const { createSecret } = await import("../../server/vault/service");
    const { createTool } = await import("../../server/tools/service");
    const { createAgent } = await import("../../server/agents/service");
    const { createTeam } = await import("../../server/teams/service");
    const { publishListing } = await import("../../server/marketplace/listings");
    const { installConsent, installListing } = await import("../../server/marketplace/install");
    type Ctx = import("../../server/context").TenantContext;
    // the bench's own fixtures (users, workspaces, memberships) cross workspaces: the operator's privileged path
    const db = () => scopedDb(SYSTEM("operator"));

    async function workspace(label: string): Promise<Ctx> {
      const suffix = Math.random().toString(36).slice(2, 8);
      const user = await db().user.create({ data: { id: newId("usr"), email: `bench-${label}-${suffix}@example.test`, name: "bench" } });
      const ws = await db().workspace.create({ data: { id: newId("ws"), slug: `mkt-${label}-${suffix}`, name: `Bench ${label}` } });
      await db().membership.create({ data: { id: newId("mem"), workspaceId: ws.id, userId: user.id, role: "owner" } });
      const ctx: Ctx = {
        workspaceId: ws.id,
        workspaceSlug: ws.slug,
        role: "owner",
        permissions: new Set(permissionsOf("owner")),
        actor: { type: "user", userId: user.id, email: user.email },
      };
      await ensureDefaultCatalog(ctx);
      return ctx;
    }

    const publisher = await workspace("publisher");
    const secret = await createSecret(publisher, { name: "crm-key", value: "publisher-secret-value-0123456789" });
    await createTool(publisher, {
      name: "crm_lookup",
      description: "Looks up a customer",
      inputSchema: { type: "object", properties: { id: { type: "string" } } },
      config: { method: "GET", urlTemplate: "https://crm.example.com/customers/{{id}}", headers: { authorization: "Bearer {{secret}}" }, bodyTemplate: null },
      secretId: secret.id,
      secretHost: "crm.example.com",
    });
    const slugs = Array.from({ length: AGENTS }, (_, i) => `step-${i + 1}`);
    for (const [i, slug] of slugs.entries())
      await createAgent(publisher, {
        slug,
        name: `Step ${i + 1}`,
        instructions: `You are step ${i + 1} of ${AGENTS}: read the previous step's output and improve it. ${"Be precise. ".repeat(20)}`,
        modelPolicy: { type: "constraints", constraints: { minQuality: 0.5 } },
        maxOutputTokens: 1000,
        allowedTools: i < 2 ? ["crm_lookup"] : [],
      });
    await createTeam(publisher, { slug: "pipeline", name: "Pipeline", spec: { topology: "sequential", agents: slugs } });
    const listing = await publishListing(publisher, {
      source: { kind: "team", ref: "pipeline" },
      slug: "bench-pipeline",
      name: "Five-step pipeline",
      summary: "Five agents in a row, two of them calling a CRM",
      category: "operations",
    });

    const installers: { ctx: Ctx; secretId: string }[] = [];
    for (let i = 0; i < INSTALLS + WARMUP; i++) {
      const ctx = await workspace(`installer-${i}`);
      installers.push({ ctx, secretId: (await createSecret(ctx, { name: "my-crm-key", value: `installer-${i}-secret-0123456789` })).id });
    }

    const load = os.loadavg().map((x) => x.toFixed(2));
    console.log(
      `Marketplace install, ${serverUrl ? "PostgreSQL server" : "embedded PGlite"}: a ${AGENTS}-agent sequential team with an HTTP tool bound to a secret, into ${INSTALLS} fresh workspaces (after ${WARMUP} warm-up installs); ${os.cpus().length} cores, load ${load.join(" ")}; Node ${process.version}`,
    );
    const times: number[] = [];
    const counts: number[] = [];
    for (const [i, { ctx, secretId }] of installers.entries()) {
      const consent = await installConsent(ctx, { listing: listing.id });
      sent.clear();
      counting = true;
      const t = performance.now();
      const install = await installListing(ctx, {
        listing: listing.id,
        consentDigest: consent.consentDigest,
        secretBindings: { [consent.secretSlots[0]!.name]: secretId },
      });
      const elapsed = performance.now() - t;
      counting = false;
      if (install.agents.length !== AGENTS) throw new Error(`install ${install.id} created ${install.agents.length} agents`);
      if (i < WARMUP) continue;
      times.push(elapsed);
      counts.push([...sent.values()].reduce((a, b) => a + b, 0));
    }
    console.log(
      `  installListing     ${String(times.length).padStart(4)} installs   p50 ${ms(pct(times, 0.5))}, p95 ${ms(pct(times, 0.95))}, max ${ms(Math.max(...times))}   (target p95 <= 200 ms)`,
    );
    console.log(`  SQL statements sent per install: ${Math.min(...counts)}..${Math.max(...counts)}`);
    if (process.env.BENCH_LIST_SQL) for (const [text, n] of [...sent].sort((a, b) => b[1] - a[1])) console.log(`    ${String(n).padStart(3)} x ${text}`);
    figure("marketplace.install.p50", pct(times, 0.5));
    figure("marketplace.install.p95", pct(times, 0.95));
    figure("marketplace.install.statements", pct(counts, 0.5), "count");
    await disconnectDb();
  } finally {
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
