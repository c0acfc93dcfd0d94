/**
 * A generated memory corpus with known answers, for the recall quality test (server/memory/recall-quality.test.ts)
 * and `npm run bench:memory`: clustered unit vectors (topics: a centre per cluster plus Gaussian noise, so that
 * nearest neighbours mean something, unlike uniform noise), deterministic from a seed, and rows inserted in bulk
 * with raw SQL. The vectors are labelled with their own model name: recall compares only rows of the query's model.
 */
import { newId } from "@/lib/ids";
import { seededRandom } from "@/lib/seeded-random";
import { sql, type Sql } from "@/server/db/sql";

export const CORPUS_MODEL = "corpus:clustered-384";
export const CORPUS_DIMS = 384;

/** the seeded generator of the corpus */
export const prng = seededRandom;

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function normalize(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => x / n);
}

/** A point of a cluster: its centre plus noise of `spread` per dimension (relative to a unit centre), normalised. */
export function around(center: readonly number[], spread: number, rand: () => number): number[] {
  const s = spread / Math.sqrt(center.length);
  return normalize(center.map((x) => x + s * gaussian(rand)));
}

export interface Corpus {
  centers: number[][];
  rand: () => number;
}

export function corpus(seed: number, clusters: number, dims = CORPUS_DIMS): Corpus {
  const rand = prng(seed);
  return { centers: Array.from({ length: clusters }, () => normalize(Array.from({ length: dims }, () => gaussian(rand)))), rand };
}

const WORDS = ["invoice", "shipment", "login", "refund", "meeting", "contract", "ticket", "backup", "deploy", "budget", "survey", "renewal"];

export interface CorpusRow {
  id: string;
  content: string;
  vector: number[];
  cluster: number;
}

/** `n` rows spread over the clusters (noise `spread`), with plain sentences that share few words with identifiers. */
export function rows(c: Corpus, n: number, spread = 1, prefix = "note"): CorpusRow[] {
  return Array.from({ length: n }, (_, i) => {
    const cluster = i % c.centers.length;
    const w = WORDS[cluster % WORDS.length]!;
    return { id: newId("memo"), content: `${prefix} ${i} about the ${w} topic ${cluster}`, vector: around(c.centers[cluster]!, spread, c.rand), cluster };
  });
}

const vectorLiteral = (v: readonly number[]) => sql`${literal(v)}::vector`;

/**
 * Rows `from`..`to` of a workspace's corpus generated in the database (one INSERT ... SELECT: no vector text to send
 * or parse): row g belongs to cluster g % clusters, its vector is the centre plus uniform noise of unit variance
 * scaled like `around` (deterministic: a hash of seed, row and dimension), normalised. Ids `memo_<md5>`.
 */
export function generatedRowsSql(o: {
  workspaceId: string;
  centers: readonly number[][];
  from: number;
  to: number;
  spread?: number;
  seed?: number;
  prefix?: string;
  model?: string;
}): Sql {
  const k = o.centers.length;
  const dims = o.centers[0]!.length;
  const scale = ((o.spread ?? 1) / Math.sqrt(dims)) * Math.sqrt(3);
  const seed = `${o.seed ?? 1}:${o.workspaceId}`;
  return sql`WITH c AS (SELECT (ord - 1)::int AS k, v::real[] AS v FROM unnest(ARRAY[${sql.join(o.centers.map(vectorLiteral))}]) WITH ORDINALITY AS t(v, ord))
    INSERT INTO "Memory" ("id", "workspaceId", "scopeType", "content", "importance", "source", "createdByType", "embeddingModel", "dims", "embedding")
    SELECT 'memo_' || substr(md5(${seed} || ':' || g), 1, 24), ${o.workspaceId}, 'workspace',
      ${o.prefix ?? "note"} || ' ' || g || ' about topic ' || (g % ${k}), 0.5, 'api', 'system', ${o.model ?? CORPUS_MODEL}, ${dims},
      l2_normalize((SELECT array_agg(x + ${scale} * hashtext(${seed} || ':' || g || ':' || i) / 2147483648.0 ORDER BY i)
        FROM c, unnest(c.v) WITH ORDINALITY AS u(x, i) WHERE c.k = g % ${k})::vector)
    FROM generate_series(${o.from}::int, ${o.to}::int) g`;
}

const literal = (v: readonly number[]) => `[${v.map((x) => x.toFixed(6)).join(",")}]`;

/** Multi-row INSERTs of `rows` into a workspace's scope (raw SQL, no audit: test and benchmark data), `per` rows each. */
export function insertStatements(workspaceId: string, list: readonly CorpusRow[], opts: { model?: string; per?: number; importance?: number } = {}): Sql[] {
  const per = opts.per ?? 200;
  const out: Sql[] = [];
  for (let i = 0; i < list.length; i += per) {
    const values = list
      .slice(i, i + per)
      .map(
        (r) =>
          sql`(${r.id}, ${workspaceId}, 'workspace', NULL, ${r.content}, ${opts.importance ?? 0.5}, 'api', 'system', ${opts.model ?? CORPUS_MODEL}, ${r.vector.length}, ${vectorLiteral(r.vector)})`,
      );
    out.push(
      sql`INSERT INTO "Memory" ("id", "workspaceId", "scopeType", "scopeId", "content", "importance", "source", "createdByType", "embeddingModel", "dims", "embedding") VALUES ${sql.join(values)}`,
    );
  }
  return out;
}

/** The exact nearest `k` of a workspace's corpus rows by cosine distance (no index: the untyped column has none). */
export function exactNearestSql(workspaceId: string, vector: readonly number[], k: number, model = CORPUS_MODEL): Sql {
  return sql`SELECT "id" FROM "Memory" WHERE "workspaceId" = ${workspaceId} AND "embeddingModel" = ${model}
    ORDER BY "embedding" <=> ${vectorLiteral(vector)}, "id" LIMIT ${k}`;
}

/** The noise vectors of the bulk load (a prime: row g takes two of them, so no two rows of a cluster are equal). */
const NOISE_POOL = 4093;

/**
 * The statements of `npm run bench:memory`'s bulk load, run as the database's superuser (no row-level security) on
 * one connection: a pool of noise vectors and the cluster centres in unlogged tables, then per workspace one
 * INSERT ... SELECT of all its rows: row g is in cluster g % clusters, says "note g about the <word> topic <cluster>"
 * (a topic's words match 1/clusters of a workspace) and its vector is the centre plus two of the pool's noise vectors
 * (each of half the variance of `around`'s noise), normalised: vector arithmetic only, no per-dimension SQL per row.
 */
export function bulkLoadSql(o: { centers: readonly number[][]; spread?: number; model: string }): {
  setup: string[];
  workspace: (workspaceId: string, rows: number, seed: number) => string;
  cleanup: string[];
} {
  const k = o.centers.length;
  const dims = o.centers[0]!.length;
  // uniform noise in [-1, 1) has variance 1/3; two of them added: half the variance each
  const scale = ((o.spread ?? 1) / Math.sqrt(dims)) * Math.sqrt(3) * Math.SQRT1_2;
  const words = `ARRAY[${WORDS.map((w) => `'${w}'`).join(",")}]`;
  return {
    setup: [
      `CREATE UNLOGGED TABLE bench_noise (i int PRIMARY KEY, v vector(${dims}) NOT NULL)`,
      `INSERT INTO bench_noise SELECT n, (SELECT array_agg(${scale} * hashtext(n || ':' || d) / 2147483648.0 ORDER BY d) FROM generate_series(1, ${dims}) d)::vector
         FROM generate_series(0, ${NOISE_POOL - 1}) n`,
      `CREATE UNLOGGED TABLE bench_center (k int PRIMARY KEY, v vector(${dims}) NOT NULL)`,
      `INSERT INTO bench_center VALUES ${o.centers.map((c, i) => `(${i}, '${literal(c)}')`).join(", ")}`,
    ],
    workspace: (workspaceId, rows, seed) => {
      const ws = `'${workspaceId.replaceAll("'", "''")}'`;
      const model = `'${o.model.replaceAll("'", "''")}'`;
      return `INSERT INTO "Memory" ("id", "workspaceId", "scopeType", "content", "importance", "source", "createdByType", "embeddingModel", "dims", "embedding")
        SELECT 'memo_' || substr(md5(${ws} || ':' || g), 1, 24), ${ws}, 'workspace',
          'note ' || g || ' about the ' || (${words})[(g % ${k}) % ${WORDS.length} + 1] || ' topic ' || (g % ${k}), 0.5, 'api', 'system', ${model}, ${dims},
          l2_normalize(c.v + a.v + b.v)
        FROM generate_series(1, ${rows}) g
        JOIN bench_center c ON c.k = g % ${k}
        JOIN bench_noise a ON a.i = (g + ${seed}) % ${NOISE_POOL}
        JOIN bench_noise b ON b.i = (g * 31 + g / ${NOISE_POOL} + ${seed * 7}) % ${NOISE_POOL}`;
    },
    cleanup: ["DROP TABLE bench_noise", "DROP TABLE bench_center"],
  };
}
