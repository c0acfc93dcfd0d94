/**
 * `cadre marketplace search [q] | show <listing> | install <listing> --bindings file`. Installing prints the version's
 * permission manifest (GET .../installs/consent) and asks before installing unless --yes; the install sends back the
 * consent's digest, so a manifest that changed in between is refused (409) instead of installed unseen.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { parse } from "yaml";
import { type CadreClient, type components, unwrap } from "@cadre/sdk";
import { CliError, EXIT } from "../exit-codes.js";
import { table } from "../format.js";
import type { ActionRunner, Body, Query, Session } from "../io.js";

type Manifest = components["schemas"]["PermissionManifest"];

/** The manifest as lines a person reads before consenting. */
export function formatManifest(m: Manifest): string {
  const host = (h: string) => (h === "*" ? "ANY HOST" : h);
  const lines = [`Installs ${m.agents} agent(s)${m.teams ? ` and ${m.teams} team(s)` : ""}.`];
  lines.push(m.tools.length ? "Tools:" : "Tools: none");
  for (const t of m.tools) {
    lines.push(
      `  - ${t.name} (${t.kind}) reaches ${t.hosts.length ? t.hosts.map(host).join(", ") : "no network"}; approval: ${t.approval}; used by ${t.usedBy.join(", ") || "-"}`,
    );
  }
  lines.push(`Network egress: ${m.egressHosts.length ? m.egressHosts.map(host).join(", ") : "none"}`);
  lines.push(m.secretSlots.length ? "Secrets to bind:" : "Secrets to bind: none");
  for (const s of m.secretSlots) lines.push(`  - ${s.name}${s.host ? ` (sent to ${s.host})` : ""}`);
  lines.push(
    `Memory: reads ${m.memory.reads.join(", ") || "nothing"}; writes ${m.memory.writes.join(", ") || "nothing"}; ${m.memory.knowledgeDocuments} knowledge document(s)`,
  );
  lines.push(`Approvals: ${m.needsApprovals ? "some tool calls wait for a person" : "none"}`);
  lines.push(`Sub-runs: ${m.subRuns ? "agents may start other agents" : "no"}`);
  const cost = m.estimatedCostPerRunUsd;
  lines.push(`Estimated cost per run: ${cost ? `$${cost.low} - $${cost.high}` : "unknown"}`);
  return lines.join("\n");
}

/** `{ slot: sec_... or a secret's name }` from a JSON or YAML file. */
export function readBindings(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(EXIT.USAGE, `Cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new CliError(EXIT.USAGE, `${file}: neither JSON nor YAML: ${(error as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new CliError(EXIT.USAGE, `${file}: a mapping of secret slot to secret (id sec_... or name), e.g. {"api_key": "sec_..."}`);
  }
  return value as Record<string, string>;
}

/** Secret names given in the bindings as the workspace's secret ids (ids pass through). */
async function resolveSecrets(client: CadreClient, bindings: Record<string, string>): Promise<Record<string, string>> {
  const names = Object.values(bindings).filter((v) => !v.startsWith("sec_"));
  if (names.length === 0) return bindings;
  const byName = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await unwrap(client.api.GET("/api/v1/secrets", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }));
    for (const s of page.data) byName.set(s.name, s.id);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return Object.fromEntries(
    Object.entries(bindings).map(([slot, v]) => {
      if (v.startsWith("sec_")) return [slot, v];
      const id = byName.get(v);
      if (!id) throw new CliError(EXIT.USAGE, `No secret named ${v} in this workspace (bound to ${slot})`);
      return [slot, id];
    }),
  );
}

async function confirm(session: Session, question: string): Promise<boolean> {
  const stdin = session.io.stdin;
  if (!stdin) throw new CliError(EXIT.USAGE, "Nothing to read the answer from: pass --yes to install without asking");
  const rl = createInterface({ input: stdin, terminal: false });
  session.note(question);
  const next = await rl[Symbol.asyncIterator]().next();
  rl.close();
  return !next.done && /^y(es)?$/i.test(String(next.value).trim());
}

export function marketplaceCommands(program: Command, run: ActionRunner) {
  const marketplace = program.command("marketplace").description("Find and install agents and teams other workspaces publish");
  marketplace
    .command("search [q]")
    .description("Search the marketplace's public listings (full text, category, tags), most installed first")
    .option("--category <category>", "research, writing, coding, data, support, sales, operations or other")
    .option("--tag <tag...>", "a tag the listing has (repeat or comma-separate for several: all must match)")
    .option("--sort <sort>", "installs, rating or recent", "installs")
    .option("--limit <n>", "how many (1-200)", "20")
    .action(
      run(async (session: Session, q: string | undefined, opts: { category?: string; tag?: string[]; sort: string; limit: string }) => {
        const tags = (opts.tag ?? [])
          .flatMap((t) => t.split(","))
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean);
        const query = {
          ...(q ? { q } : {}),
          ...(opts.category ? { category: opts.category } : {}),
          ...(tags.length ? { tags: tags.join(",") } : {}),
          sort: opts.sort,
          limit: Number(opts.limit),
        } as Query<"listMarketplaceListings">;
        const page = await unwrap(session.client().api.GET("/api/v1/marketplace/listings", { params: { query } }));
        session.result(page, () =>
          table(
            page.data.map((l) => ({
              ...l,
              rating: l.ratingAverage === null ? "-" : `${l.ratingAverage.toFixed(1)} (${l.ratingCount})`,
              version: `v${l.latestVersion}`,
            })),
            ["id", "name", "kind", "category", "publisherName", "version", "installCount", "rating", "summary"],
          ),
        );
      }),
    );
  marketplace
    .command("show <listing>")
    .description("A listing (id lst_... or unlisted link token lnk_...): provenance, versions, signature and permission manifest")
    .action(
      run(async (session: Session, listing: string) => {
        const l = await unwrap(session.client().api.GET("/api/v1/marketplace/listings/{listing}", { params: { path: { listing } } }));
        session.result(l, () =>
          [
            `${l.icon ? `${l.icon} ` : ""}${l.name} (${l.id}, ${l.kind}, ${l.category}${l.status === "active" ? "" : `, ${l.status}`})`,
            l.summary,
            `Published by ${l.publisherName}; v${l.latestVersion}; ${l.installCount} install(s); rating ${l.ratingAverage === null ? "none" : `${l.ratingAverage.toFixed(1)} (${l.ratingCount})`}`,
            l.tags.length ? `Tags: ${l.tags.join(", ")}` : "",
            `Signature: ${l.latest.verified ? "verified" : "DOES NOT MATCH"} (sha256 ${l.latest.digest}, key ${l.latest.keyId})`,
            "",
            `What v${l.latest.version} may do:`,
            formatManifest(l.latest.manifest),
            "",
            "Versions:",
            ...l.versions.map((v) => `  v${v.version} ${v.publishedAt.slice(0, 10)}: ${v.changelog.replace(/\s+/g, " ")}`),
          ]
            .filter((line, i, all) => line !== "" || (i > 0 && all[i - 1] !== ""))
            .join("\n"),
        );
      }),
    );
  marketplace
    .command("install <listing>")
    .description("Install a listing (id lst_... or unlisted link token lnk_...) into the workspace, after showing what it may do")
    .option("--bindings <file>", "JSON or YAML: each secret slot to one of your secrets (id or name)")
    // not --version: that is the program's own option wherever it appears
    .option("--listing-version <n>", "the listing version (default: the newest)")
    .option("--prefix <prefix>", "put before the installed slugs when they collide with yours")
    .option("-y, --yes", "install without asking (the manifest is still printed)")
    .action(
      run(async (session: Session, listing: string, opts: { bindings?: string; listingVersion?: string; prefix?: string; yes?: boolean }) => {
        const version = opts.listingVersion === undefined ? undefined : Number(opts.listingVersion);
        if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new CliError(EXIT.USAGE, "--listing-version is a whole number from 1");
        const client = session.client();
        const consent = await unwrap(
          client.api.GET("/api/v1/marketplace/installs/consent", { params: { query: { listing, ...(version ? { version } : {}) } } }),
        );
        // the manifest goes to stderr with --json, so stdout stays the install's JSON
        const print = session.json ? session.note : session.out;
        print(`Listing ${consent.listingId} v${consent.version} asks for:\n${formatManifest(consent.manifest)}`);
        const given = opts.bindings ? await resolveSecrets(client, readBindings(opts.bindings)) : {};
        const unbound = consent.secretSlots.map((s) => s.name).filter((slot) => !given[slot]);
        if (unbound.length > 0) throw new CliError(EXIT.USAGE, `Bind every secret slot in --bindings: ${unbound.join(", ")} missing`);
        const unknown = Object.keys(given).filter((slot) => !consent.secretSlots.some((s) => s.name === slot));
        if (unknown.length > 0) session.note(`Ignored: ${unknown.join(", ")} (no such slot in v${consent.version})`);
        if (!opts.yes && !(await confirm(session, `Install v${consent.version} with these permissions? [y/N]`))) {
          throw new CliError(EXIT.USAGE, "Not installed");
        }
        const body = {
          listing,
          version: consent.version,
          secretBindings: Object.fromEntries(consent.secretSlots.map((s) => [s.name, given[s.name]!])),
          ...(opts.prefix ? { slugPrefix: opts.prefix } : {}),
          consentDigest: consent.consentDigest,
        };
        const installed = await unwrap(client.api.POST("/api/v1/marketplace/installs", { body: body as Body<"createMarketplaceInstall"> }));
        session.result(
          installed,
          () =>
            `Installed ${installed.listingName} v${installed.version} as ${installed.id}: ${installed.root.kind} ${installed.root.slug}` +
            ` (agents ${installed.agents.map((a) => a.slug).join(", ")}${installed.teams.length ? `; teams ${installed.teams.map((t) => t.slug).join(", ")}` : ""})`,
        );
      }),
    );
  return marketplace;
}
