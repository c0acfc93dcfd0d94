/** What a command reads and writes: injected, so that the tests run the CLI in-process with their own environment. */
import { CadreApiError, type CadreClient, createCadreClient, type operations } from "@cadre/sdk";
import { credentials, type Env } from "./config.js";
import { CliError, EXIT } from "./exit-codes.js";
import { CLI_VERSION } from "./version.js";

export interface Io {
  env: Env;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface Session {
  io: Io;
  json: boolean;
  /** the client of the credentials in force (created on first use: `cadre login` has none yet) */
  client(): CadreClient;
  /** stdout: the command's result (JSON with --json) */
  out(text: string): void;
  /** stderr: progress and messages for a person */
  note(text: string): void;
  /** with --json the value as JSON, else `human()` */
  result(value: unknown, human: () => string): void;
}

export function makeSession(io: Io, json: boolean): Session {
  let client: CadreClient | undefined;
  const session: Session = {
    io,
    json,
    client() {
      if (!client) {
        const creds = credentials(io.env);
        client = createCadreClient({ baseUrl: creds.url, apiKey: creds.apiKey, userAgent: `cadre-cli/${CLI_VERSION}` });
      }
      return client;
    },
    out: (text) => void io.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    note: (text) => void io.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    result(value, human) {
      if (json) session.out(JSON.stringify(value, null, 2));
      else session.out(human());
    },
  };
  return session;
}

/** The CliError of an API error: 401/403 exit 3, 404 exit 4, anything else exit 2; validation issues listed. */
export function cliErrorOf(error: CadreApiError): CliError {
  const issues = error.issues.map((i) => `\n  - ${i.path || "(body)"}: ${i.message}`).join("");
  const message = `${error.message} (${error.code}${error.status ? `, HTTP ${error.status}` : ""})${issues}`;
  if (error.status === 401) return new CliError(EXIT.AUTH, `Authentication failed: ${message}. Check the API key (\`cadre login\`).`, error);
  if (error.status === 403) return new CliError(EXIT.AUTH, `Not allowed: ${message}`, error);
  if (error.status === 404) return new CliError(EXIT.NOT_FOUND, `Not found: ${message}`, error);
  return new CliError(EXIT.API, message, error);
}

export { CadreApiError };

/** Wraps a command's action: a session with the global options, errors turned into the exit code (see main.ts). */
export type ActionRunner = <A extends unknown[]>(action: (session: Session, ...args: A) => Promise<void>) => (...args: unknown[]) => Promise<void>;

/** The JSON body of an operation, for a value read from a file or options (the server validates it). */
export type Body<Op extends keyof operations> = operations[Op] extends { requestBody: { content: { "application/json": infer B } } } ? B : never;
/** The query parameters of an operation. */
export type Query<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["query"]>;
