/**
 * `npm run bench:marketplace [postgresql://…]`: marketplace search at size, on the PostgreSQL server whose URL is the
 * first argument (a scratch database, dropped at the end) or on embedded PGlite (served on 127.0.0.1 as `npm start`
 * does). Seeds BENCH_LISTINGS listings (default 10,000) from 100 publishing workspaces in one INSERT ... SELECT
 * generate_series (a tenth unlisted or unpublished), then times BENCH_QUERIES searches (default 200) through
 * searchListings as another workspace (row-level security on): full text, category, tags, each sort, and second
 * pages. Prints p50/p95 per kind and overall; the target is p95 <= 20 ms on PostgreSQL.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { figure } from "./figures";
import { scratchDatabase } from "./scratch-database";

const serverUrl = process.argv[2];
const LISTINGS = Number(process.env.BENCH_LISTINGS ?? 10_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const PUBLISHERS = 100;

const sorted = (x: number[]) => [...x].sort((p, q) => p - q);
const pct = (x: number[], p: number) => sorted(x)[Math.min(x.length - 1, Math.floor(x.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

const WORDS = [
  "research",
  "invoice",
  "support",
  "ticket",
  "summary",
  "legal",
  "contract",
  "sales",
  "email",
  "report",
  "code",
  "review",
  "data",
  "cleanup",
  "translate",
  "meeting",
  "notes",
  "triage",
  "refund",
  "onboarding",
];
const TAGS = Array.from({ length: 30 }, (_, i) => `tag-${i}`);
const CATEGORIES = ["research", "writing", "coding", "data", "support", "sales", "operations", "other"] as const;
const SORTS = ["installs", "rating", "recent"] as const;

async function main() {
  const { url, stop } = await scratchDatabase(serverUrl, "marketplace");
  try {
    const { migrate } = await import("../../server/db/migrate");
    const { setEnv } = await import("../../server/env");
    await migrate(url);
    setEnv("DATABASE_URL", url);
    setEnv("LOG_LEVEL", "silent");
    const { disconnectDb } = await import("../../server/db/client");
    const { permissionsOf } = await import("../../lib/permissions");
    const { PrismaClient } = await import("../../server/db/generated/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { searchListings } = await import("../../server/marketplace/search");
    type Ctx = import("../../server/context").TenantContext;

    const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
    const user = await plain.user.create({ data: { id: "usr_bench_market", email: "bench-market@example.test" } });
    await plain.$executeRawUnsafe(
      `INSERT INTO "Workspace" ("id", "slug", "name", "updatedAt") SELECT 'ws_bench_pub_' || i, 'bench-pub-' || i, 'Publisher ' || i, now() FROM generate_series(0, ${PUBLISHERS}) i`,
    );
    await plain.membership.create({ data: { id: "mem_bench_market", workspaceId: `ws_bench_pub_${PUBLISHERS}`, userId: user.id, role: "member" } });
    const reader = {
      workspaceId: `ws_bench_pub_${PUBLISHERS}`,
      workspaceSlug: `bench-pub-${PUBLISHERS}`,
      actor: { type: "user", userId: user.id, email: user.email },
      role: "member",
      permissions: new Set(permissionsOf("member")),
    } as unknown as Ctx;

    const words = `ARRAY[${WORDS.map((w) => `'${w}'`).join(",")}]`;
    const tags = `ARRAY[${TAGS.map((t) => `'${t}'`).join(",")}]`;
    const categories = `ARRAY[${CATEGORIES.map((c) => `'${c}'`).join(",")}]`;
    let t = performance.now();
    await plain.$executeRawUnsafe(`
      INSERT INTO "Listing" ("id", "workspaceId", "slug", "kind", "sourceId", "publisherName", "name", "summary", "description", "category", "tags",
        "visibility", "status", "linkToken", "latestVersion", "installCount", "ratingCount", "ratingSum", "createdAt", "updatedAt")
      SELECT 'lst_bench' || lpad(i::text, 8, '0'), 'ws_bench_pub_' || (i % ${PUBLISHERS}), 'bench-' || i, CASE WHEN i % 3 = 0 THEN 'team' ELSE 'agent' END,
        'agt_bench' || i, 'Publisher ' || (i % ${PUBLISHERS}),
        initcap(w[1 + i % 20]) || ' ' || w[1 + (i * 7) % 20] || ' helper ' || i,
        'Helps with ' || w[1 + (i * 3) % 20] || ' and ' || w[1 + (i * 11) % 20],
        'A ' || w[1 + (i * 13) % 20] || ' agent. It reads ' || w[1 + (i * 17) % 20] || ' and writes ' || w[1 + (i * 19) % 20] || '. ' || repeat('Details. ', 20),
        c[1 + i % 8], ARRAY[t[1 + i % 30], t[1 + (i * 7) % 30]],
        CASE WHEN i % 20 = 0 THEN 'unlisted' ELSE 'public' END, CASE WHEN i % 20 = 1 THEN 'unpublished' ELSE 'active' END,
        'lnk_bench' || i, 1 + i % 5, (i * 7919) % 5000, (i * 31) % 200, ((i * 31) % 200) * (1 + i % 5),
        now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval
      FROM generate_series(1, ${LISTINGS}) i, (SELECT ${words} AS w, ${tags} AS t, ${categories} AS c) arrays`);
    await plain.$executeRawUnsafe(`ANALYZE "Listing"`);
    const seedSeconds = (performance.now() - t) / 1000;
    const load = os.loadavg().map((x) => x.toFixed(2));
    console.log(
      `Marketplace search, ${serverUrl ? "PostgreSQL server" : "embedded PGlite"}: ${LISTINGS} listings of ${PUBLISHERS} workspaces (seeded in ${seedSeconds.toFixed(1)} s); ${os.cpus().length} cores, load ${load.join(" ")}; Node ${process.version}`,
    );

    let seed = 20261215;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    type Input = Parameters<typeof searchListings>[1];
    const kinds: Record<string, () => Input> = {
      "text (one word)": () => ({ q: pick(WORDS), sort: pick(SORTS), limit: 20 }),
      "text (two words)": () => ({ q: `${pick(WORDS)} ${pick(WORDS)}`, limit: 20 }),
      category: () => ({ category: pick(CATEGORIES), sort: pick(SORTS), limit: 20 }),
      tags: () => ({ tags: [pick(TAGS)], sort: pick(SORTS), limit: 20 }),
      "browse (no filter)": () => ({ sort: pick(SORTS), limit: 20 }),
    };
    const names = Object.keys(kinds);
    if (process.env.BENCH_PLAN) {
      // the plan of each sort's first page, as the reader runs it (its scope, row-level security on)
      const { transport } = await import("../../server/db/execute");
      const send = transport.send;
      let sent = "";
      transport.send = async (text: string) => {
        sent = text;
        return send(text);
      };
      for (const sort of SORTS) {
        await searchListings(reader, { sort, limit: 20 });
        const results = (await send(sent.replace(/;\n(SELECT "id")/, ";\nEXPLAIN ANALYZE $1"))) as { rows: Record<string, unknown>[] }[];
        console.log(`-- ${sort}\n${results[results.length - 1]!.rows.map((r) => Object.values(r)[0]).join("\n")}`);
      }
      transport.send = send;
    }
    for (let i = 0; i < 20; i++) await searchListings(reader, kinds[names[i % names.length]!]!());

    const all: number[] = [];
    const byKind = new Map<string, number[]>();
    for (let i = 0; i < QUERIES; i++) {
      const kind = names[i % names.length]!;
      const input = kinds[kind]!();
      t = performance.now();
      const page = await searchListings(reader, input);
      const first = performance.now() - t;
      all.push(first);
      byKind.set(kind, [...(byKind.get(kind) ?? []), first]);
      // every fourth: the next page too
      if (i % 4 === 0 && page.nextCursor) {
        t = performance.now();
        await searchListings(reader, { ...input, cursor: page.nextCursor });
        const next = performance.now() - t;
        all.push(next);
        byKind.set("second pages", [...(byKind.get("second pages") ?? []), next]);
      }
    }
    for (const [kind, lat] of byKind)
      console.log(`  ${kind.padEnd(20)} ${String(lat.length).padStart(4)} searches   p50 ${ms(pct(lat, 0.5))}, p95 ${ms(pct(lat, 0.95))}`);
    console.log(
      `  all                  ${String(all.length).padStart(4)} searches   p50 ${ms(pct(all, 0.5))}, p95 ${ms(pct(all, 0.95))}   (target p95 <= 20 ms)`,
    );
    figure("marketplace.search.p50", pct(all, 0.5));
    figure("marketplace.search.p95", pct(all, 0.95));
    await plain.$disconnect();
    await disconnectDb();
  } finally {
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
