/** `cadre login`, `cadre logout`, `cadre whoami`. */
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { createCadreClient, unwrap } from "@cadre/sdk";
import { configPath, credentials, removeConfig, writeConfig } from "../config.js";
import { CliError, EXIT } from "../exit-codes.js";
import type { ActionRunner, Session } from "../io.js";

/**
 * Asks for what the options left out, one line of stdin per answer (one reader for all: a second reader would miss
 * what the first had buffered). The questions go to stderr.
 */
function prompter(session: Session) {
  let reader: { rl: ReturnType<typeof createInterface>; lines: AsyncIterator<string> } | undefined;
  const ask = async (question: string): Promise<string> => {
    const stdin = session.io.stdin;
    const what = question.replace(/:\s*$/, "");
    if (!stdin) throw new CliError(EXIT.USAGE, `${what} is required (pass it as an option)`);
    if (!reader) {
      const rl = createInterface({ input: stdin, terminal: false });
      reader = { rl, lines: rl[Symbol.asyncIterator]() };
    }
    session.note(question);
    const next = await reader.lines.next();
    if (next.done) throw new CliError(EXIT.USAGE, `${what} is required (none given on stdin)`);
    return String(next.value).trim();
  };
  return Object.assign(ask, { close: () => reader?.rl.close() });
}

export function authCommands(program: Command, run: ActionRunner) {
  program
    .command("login")
    .description("Check a server URL and an API key (GET /api/v1/me) and store them in ~/.config/cadre/config.json (mode 0600)")
    .option("--url <url>", "the Cadre server, e.g. https://cadre.example.com (prompted when left out)")
    .option("--api-key <key>", "an API key of the workspace (prompted when left out; or pipe it on stdin)")
    .action(
      run(async (session: Session, opts: { url?: string; apiKey?: string }) => {
        const ask = prompter(session);
        let url: string;
        let apiKey: string;
        try {
          url = (opts.url || session.io.env.CADRE_URL || (await ask("Server URL:"))).replace(/\/+$/, "");
          apiKey = opts.apiKey || session.io.env.CADRE_API_KEY || (await ask("API key:"));
        } finally {
          ask.close();
        }
        if (!/^https?:\/\//.test(url)) throw new CliError(EXIT.USAGE, `The server URL must start with http:// or https:// (got ${JSON.stringify(url)})`);
        if (!apiKey) throw new CliError(EXIT.USAGE, "An API key is required");
        const me = await unwrap(createCadreClient({ baseUrl: url, apiKey, userAgent: "cadre-cli" }).api.GET("/api/v1/me"));
        const file = writeConfig(session.io.env, { url, apiKey, workspace: me.workspace.slug });
        session.result({ url, workspace: me.workspace, key: me.key, role: me.role, config: file }, () => {
          return `Logged in to workspace ${me.workspace.slug} at ${url} with key "${me.key.name}" (saved in ${file})`;
        });
      }),
    );

  program
    .command("logout")
    .description("Remove the stored server URL and API key")
    .action(
      run(async (session: Session) => {
        const removed = removeConfig(session.io.env);
        const file = configPath(session.io.env);
        session.result({ removed, config: file }, () => (removed ? `Logged out (removed ${file})` : "Not logged in"));
      }),
    );

  program
    .command("whoami")
    .description("The workspace, key and scopes of the credentials in force")
    .action(
      run(async (session: Session) => {
        const me = await unwrap(session.client().api.GET("/api/v1/me"));
        const creds = credentials(session.io.env);
        session.result({ url: creds.url, source: creds.source, ...me }, () =>
          [
            `Workspace: ${me.workspace.slug} (${me.workspace.name})`,
            `Server:    ${creds.url} (from ${creds.source === "env" ? "CADRE_URL/CADRE_API_KEY" : configPath(session.io.env)})`,
            `Key:       ${me.key.name} (${me.key.id}), role ${me.role}`,
            `Scopes:    ${me.scopes.join(" ")}`,
          ].join("\n"),
        );
      }),
    );

  program
    .command("mcp")
    .description("The hosted MCP endpoint of the workspace")
    .command("url")
    .description("Print the workspace's MCP endpoint URL (<server>/api/mcp/<workspace>) for an MCP client")
    .action(
      run(async (session: Session) => {
        const me = await unwrap(session.client().api.GET("/api/v1/me"));
        const url = `${session.client().baseUrl}/api/mcp/${me.workspace.slug}`;
        session.result({ url, workspace: me.workspace.slug }, () => url);
      }),
    );
}
