/** `cadre keys list | create | revoke <keyId>`. */
import type { Command } from "commander";
import { unwrap } from "@cadre/sdk";
import { table } from "../format.js";
import type { ActionRunner, Body, Session } from "../io.js";

export function keyCommands(program: Command, run: ActionRunner) {
  const keys = program.command("keys").description("List, create and revoke the workspace's API keys");
  keys
    .command("list")
    .description("The workspace's API keys (never their secret part)")
    .action(
      run(async (session: Session) => {
        const page = await unwrap(session.client().api.GET("/api/v1/api-keys"));
        session.result(page, () =>
          table(
            page.data.map((k) => ({ ...k, key: `${k.prefix}…${k.last4}`, scopes: k.scopes.length })),
            ["id", "name", "key", "scopes", "expiresAt", "lastUsedAt", "revokedAt"],
          ),
        );
      }),
    );
  keys
    .command("create")
    .description("Create an API key; the key is printed once")
    .requiredOption("--name <name>", "what the key is for")
    .option("--scopes <scopes>", "comma-separated scopes, e.g. agents:read,runs:create (default: the scopes of the key in use)")
    .option("--expires-at <date>", "an ISO date-time after which the key stops working")
    .action(
      run(async (session: Session, opts: { name: string; scopes?: string; expiresAt?: string }) => {
        const client = session.client();
        const scopes = opts.scopes
          ? opts.scopes
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : (await unwrap(client.api.GET("/api/v1/me"))).scopes;
        const body = { name: opts.name, scopes, ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}) };
        const created = await unwrap(client.api.POST("/api/v1/api-keys", { body: body as Body<"createApiKey"> }));
        session.result(created, () => `Created key ${created.id} (${created.name})\n${created.key}\nStore it now: it is not shown again.`);
      }),
    );
  keys
    .command("revoke <keyId>")
    .description("Revoke an API key (it stops working at once)")
    .action(
      run(async (session: Session, keyId: string) => {
        const revoked = await unwrap(session.client().api.DELETE("/api/v1/api-keys/{keyId}", { params: { path: { keyId } } }));
        session.result(revoked, () => `Revoked key ${keyId}`);
      }),
    );
}
