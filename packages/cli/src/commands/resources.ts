/** `cadre agents|teams list | get <slug> | apply -f file.yaml`. */
import type { Command } from "commander";
import { stringify } from "yaml";
import { CadreApiError, type CadreClient, unwrap } from "@cadre/sdk";
import { changedFields, type Manifest, readManifests } from "../apply.js";
import { table } from "../format.js";
import type { ActionRunner, Body, Session } from "../io.js";
import { readStdin } from "../stdin.js";

type Resource = Record<string, unknown> & { slug: string; currentVersion: number };

interface Kind {
  kind: "agent" | "team";
  /** the fields of a manifest, in the order `get` prints them */
  fields: string[];
  columns: string[];
  list(client: CadreClient, cursor?: string): Promise<{ data: Resource[]; nextCursor: string | null }>;
  get(client: CadreClient, slug: string): Promise<Resource>;
  create(client: CadreClient, body: Manifest): Promise<Resource>;
  update(client: CadreClient, slug: string, body: Record<string, unknown>): Promise<Resource>;
}

/** An agent manifest's fields: the slug, then every field of an agent version (test/cli.test.ts compares them with the API's). */
export const AGENT_FIELDS = [
  "slug",
  "name",
  "roleDescription",
  "instructions",
  "modelPolicy",
  "maxOutputTokens",
  "temperature",
  "outageWaitSeconds",
  "callTimeoutSeconds",
  "contextBudget",
  "allowedTools",
  "toolApprovals",
  "memoryPolicy",
  "qualityGate",
];

const AGENTS: Kind = {
  kind: "agent",
  fields: AGENT_FIELDS,
  columns: ["slug", "name", "currentVersion", "updatedAt"],
  list: (client, cursor) => unwrap(client.api.GET("/api/v1/agents", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } })),
  get: (client, slug) => unwrap(client.api.GET("/api/v1/agents/{agentId}", { params: { path: { agentId: slug } } })),
  create: (client, body) => unwrap(client.api.POST("/api/v1/agents", { body: body as Body<"createAgent"> })),
  update: (client, slug, body) =>
    unwrap(client.api.PATCH("/api/v1/agents/{agentId}", { params: { path: { agentId: slug } }, body: body as Body<"updateAgent"> })),
};

const TEAMS: Kind = {
  kind: "team",
  fields: ["slug", "name", "description", "spec"],
  columns: ["slug", "name", "topology", "currentVersion", "updatedAt"],
  list: (client, cursor) => unwrap(client.api.GET("/api/v1/teams", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } })),
  get: (client, slug) => unwrap(client.api.GET("/api/v1/teams/{teamId}", { params: { path: { teamId: slug } } })),
  create: (client, body) => unwrap(client.api.POST("/api/v1/teams", { body: body as Body<"createTeam"> })),
  update: (client, slug, body) => unwrap(client.api.PATCH("/api/v1/teams/{teamId}", { params: { path: { teamId: slug } }, body: body as Body<"updateTeam"> })),
};

/** Every item of a paged list. */
async function listAll(kind: Kind, client: CadreClient): Promise<Resource[]> {
  const items: Resource[] = [];
  let cursor: string | undefined;
  do {
    const page = await kind.list(client, cursor);
    items.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The resource as a manifest `apply` takes back: its editable fields, in order. */
function manifestOf(kind: Kind, resource: Resource): Record<string, unknown> {
  return Object.fromEntries(kind.fields.filter((f) => f in resource).map((f) => [f, resource[f]]));
}

export interface Applied {
  kind: "agent" | "team";
  slug: string;
  action: "created" | "updated" | "unchanged";
  version: number;
  changed?: string[];
}

async function applyOne(kind: Kind, client: CadreClient, manifest: Manifest): Promise<Applied> {
  let current: Resource | undefined;
  try {
    current = await kind.get(client, manifest.slug);
  } catch (error) {
    if (!(error instanceof CadreApiError && error.status === 404)) throw error;
  }
  if (!current) {
    const created = await kind.create(client, manifest);
    return { kind: kind.kind, slug: manifest.slug, action: "created", version: created.currentVersion };
  }
  const changed = changedFields(manifest, current);
  if (Object.keys(changed).length === 0) return { kind: kind.kind, slug: manifest.slug, action: "unchanged", version: current.currentVersion };
  const saved = await kind.update(client, manifest.slug, { ...changed, baseVersion: current.currentVersion });
  return { kind: kind.kind, slug: manifest.slug, action: "updated", version: saved.currentVersion, changed: Object.keys(changed) };
}

function resourceCommands(program: Command, run: ActionRunner, kind: Kind) {
  const plural = `${kind.kind}s`;
  const group = program.command(plural).description(`List, show and apply ${plural}`);
  group
    .command("list")
    .description(`The workspace's ${plural}`)
    .action(
      run(async (session: Session) => {
        const items = await listAll(kind, session.client());
        session.result(items, () => table(items, kind.columns));
      }),
    );
  group
    .command("get <slug>")
    .description(`One ${kind.kind} (id or slug): its fields as YAML that \`cadre ${plural} apply -f\` takes back; --json: the full resource`)
    .action(
      run(async (session: Session, slug: string) => {
        const resource = await kind.get(session.client(), slug);
        session.result(resource, () => `# ${kind.kind} ${resource.slug}, version ${resource.currentVersion}\n${stringify(manifestOf(kind, resource))}`);
      }),
    );
  group
    .command("apply")
    .description(`Create each ${kind.kind} of a YAML file, or save a new version of it when a field changed (else: unchanged)`)
    .requiredOption("-f, --file <file>", `the YAML file (several ${plural} separated by ---; - reads stdin)`)
    .action(
      run(async (session: Session, opts: { file: string }) => {
        const manifests = readManifests(opts.file, kind.kind, opts.file === "-" ? await readStdin(session.io) : undefined);
        const results: Applied[] = [];
        for (const manifest of manifests) {
          const applied = await applyOne(kind, session.client(), manifest);
          results.push(applied);
          if (!session.json) {
            const detail = applied.action === "unchanged" ? "" : ` (version ${applied.version}${applied.changed ? `: ${applied.changed.join(", ")}` : ""})`;
            session.out(`${kind.kind}/${applied.slug} ${applied.action}${detail}`);
          }
        }
        if (session.json) session.out(JSON.stringify(results, null, 2));
      }),
    );
}

export function agentAndTeamCommands(program: Command, run: ActionRunner) {
  resourceCommands(program, run, AGENTS);
  resourceCommands(program, run, TEAMS);
}
