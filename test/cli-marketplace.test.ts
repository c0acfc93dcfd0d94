/**
 * `cadre marketplace` against the REST API on 127.0.0.1: search and show a listing published by another workspace;
 * install prints the manifest, binds the slots from a file (ids or names), asks unless --yes, and sends the consent's
 * digest; a slot left unbound or a "no" installs nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { callerFor, makeApiKey, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { agentPackage, teamPackage, writeListing } from "@/test/fixtures/marketplace-installs";
import { startRestServer, type RestServer } from "@/test/fixtures/rest-server";
import { main } from "@/packages/cli/src/main";
import { EXIT } from "@/packages/cli/src/exit-codes";

let server: RestServer;
let home: string;
let publisher: TestWorkspace;
let installer: TestWorkspace;
let key: string;
let secretId: string;

beforeAll(async () => {
  publisher = await makeWorkspace("cli-pub");
  installer = await makeWorkspace("cli-inst");
  key = (await makeApiKey(installer, "owner")).raw;
  secretId = (await callerFor(installer.users.owner, installer.slug).secrets.create({ name: "ORDERS_KEY", value: "orders-secret-123" })).id;
  server = await startRestServer();
  home = mkdtempSync(path.join(tmpdir(), "cadre-cli-mkt-"));
});
afterAll(async () => {
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

async function cadre(args: string[], stdin?: string) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), CADRE_URL: server.url, CADRE_API_KEY: key },
    ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

function bindingsFile(name: string, text: string) {
  const file = path.join(home, name);
  writeFileSync(file, text);
  return file;
}

const installsOf = (listingId: string) => db().listingInstall.count({ where: { workspaceId: installer.id, listingId } });

describe("cadre marketplace search and show", () => {
  it("finds a published listing by words, category and tag, and shows its provenance, signature and manifest", async () => {
    const word = `zebra${Date.now() % 100000}`;
    const pub = callerFor(publisher.users.owner, publisher.slug);
    await pub.agents.create({ slug: "speller", name: "Speller", instructions: "Spell words." });
    const listing = await pub.marketplace.publish({
      source: { kind: "agent", ref: "speller" },
      slug: `speller-${word}`,
      name: `Speller ${word}`,
      summary: "Spells words back",
      category: "writing",
      tags: ["spelling", word],
    });
    const found = await cadre(["marketplace", "search", word, "--category", "writing", "--tag", `spelling,${word}`]);
    expect(found.stderr).toBe("");
    expect(found.code).toBe(EXIT.OK);
    expect(found.stdout).toContain(listing.id);
    expect(found.stdout).toContain(`Speller ${word}`);
    const none = await cadre(["--json", "marketplace", "search", word, "--category", "coding"]);
    expect(JSON.parse(none.stdout).data).toEqual([]);

    const shown = await cadre(["marketplace", "show", listing.id]);
    expect(shown.code).toBe(EXIT.OK);
    expect(shown.stdout).toContain(`Published by ${listing.publisherName}; v1`);
    expect(shown.stdout).toContain(`Signature: verified (sha256 ${listing.latest.digest}`);
    expect(shown.stdout).toContain("Installs 1 agent(s).");
    expect(shown.stdout).toContain("v1 ");
    expect((await cadre(["marketplace", "show", "lst_doesnotexist1"])).code).toBe(EXIT.NOT_FOUND);
  });
});

describe("cadre marketplace install", () => {
  it("prints the manifest, refuses an unbound slot, then installs with the bindings file (YAML, a secret by name) and --yes", async () => {
    const listing = await writeListing(publisher.id, teamPackage({ url: "http://127.0.0.1:9/orders/{{order}}" }));
    const missing = await cadre(["marketplace", "install", listing.id, "--yes"]);
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.stdout).toContain("lookup_order (http) reaches 127.0.0.1");
    expect(missing.stdout).toContain("Secrets to bind:\n  - api_key (sent to 127.0.0.1)");
    expect(missing.stderr).toContain("Bind every secret slot in --bindings: api_key missing");
    expect(await installsOf(listing.id)).toBe(0);

    const file = bindingsFile("bindings.yaml", "api_key: ORDERS_KEY\n");
    const done = await cadre(["marketplace", "install", listing.id, "--bindings", file, "--prefix", "mkt", "--yes"]);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(EXIT.OK);
    expect(done.stdout).toContain("Installed Order desk v1 as lin_");
    expect(done.stdout).toContain("team mkt-orders");
    const install = await db().listingInstall.findFirstOrThrow({ where: { workspaceId: installer.id, listingId: listing.id } });
    expect(install.secretBindings).toEqual({ api_key: secretId });
  });

  it("asks before installing: no installs nothing, yes installs; --json keeps stdout to the install", async () => {
    const listing = await writeListing(publisher.id, agentPackage(`helper${Date.now() % 100000}`));
    const no = await cadre(["marketplace", "install", listing.id], "n\n");
    expect(no.code).toBe(EXIT.USAGE);
    expect(no.stderr).toContain("Install v1 with these permissions? [y/N]");
    expect(no.stderr).toContain("Not installed");
    expect(await installsOf(listing.id)).toBe(0);

    const yes = await cadre(["--json", "marketplace", "install", listing.id, "--listing-version", "1"], "yes\n");
    expect(yes.code).toBe(EXIT.OK);
    expect(JSON.parse(yes.stdout)).toMatchObject({ listingId: listing.id, version: 1 });
    expect(yes.stderr).toContain("Tools: none");
    expect(await installsOf(listing.id)).toBe(1);
  });

  it("a bindings file that is not a mapping, an unknown secret name or an unknown listing: a clear error", async () => {
    const listing = await writeListing(publisher.id, teamPackage({ url: "http://127.0.0.1:9/orders/{{order}}" }));
    const list = await cadre(["marketplace", "install", listing.id, "--bindings", bindingsFile("list.json", '["sec_x"]'), "--yes"]);
    expect(list.code).toBe(EXIT.USAGE);
    expect(list.stderr).toContain("a mapping of secret slot to secret");
    const unknown = await cadre(["marketplace", "install", listing.id, "--bindings", bindingsFile("u.json", '{"api_key": "NOPE"}'), "--yes"]);
    expect(unknown.stderr).toContain("No secret named NOPE in this workspace");
    const missing = await cadre(["marketplace", "install", "lst_doesnotexist1", "--yes"]);
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(await installsOf(listing.id)).toBe(0);
  });
});
