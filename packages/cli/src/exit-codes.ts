/** The exit codes of `cadre`, stable for scripts (documented in packages/cli/README.md and docs/api.md). */
export const EXIT = {
  OK: 0,
  /** a wrong command, option or file */
  USAGE: 1,
  /** the API refused the request (validation, conflict, budget...) or could not be reached */
  API: 2,
  /** no credentials, or the API key is invalid, revoked, expired or lacks the scope (401, 403) */
  AUTH: 3,
  /** the agent, team, run or key does not exist in the key's workspace (404) */
  NOT_FOUND: 4,
  /** `cadre run --follow`: the run failed or was cancelled */
  RUN_FAILED: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with its exit code and message (on stderr). */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly details: unknown;

  constructor(exitCode: ExitCode, message: string, details?: unknown) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.details = details;
  }
}
