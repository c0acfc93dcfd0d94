/**
 * The `cadre` command line: the public REST API of a Cadre server through the TypeScript SDK (packages/sdk-ts).
 * `main` parses the arguments (commander), runs the command and answers the exit code (./exit-codes.ts); it reads and
 * writes only through `io`, so tests run it in-process.
 */
import { Command, CommanderError } from "commander";
import { CadreApiError } from "@cadre/sdk";
import { authCommands } from "./commands/auth.js";
import { keyCommands } from "./commands/keys.js";
import { marketplaceCommands } from "./commands/marketplace.js";
import { agentAndTeamCommands } from "./commands/resources.js";
import { runCommands } from "./commands/runs.js";
import { CliError, EXIT, type ExitCode } from "./exit-codes.js";
import { type ActionRunner, cliErrorOf, type Io, makeSession } from "./io.js";
import { CLI_VERSION } from "./version.js";

export async function main(argv: string[], io: Io): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.OK;
  const program = new Command("cadre")
    .description("The Cadre command line: agents, teams, runs and API keys of a workspace, over the REST API")
    .version(CLI_VERSION)
    .option("--json", "machine output: JSON on stdout only (messages on stderr)")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });

  const run: ActionRunner =
    <A extends unknown[]>(action: (session: ReturnType<typeof makeSession>, ...args: A) => Promise<void>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const json = command.optsWithGlobals().json === true;
      const session = makeSession(io, json);
      try {
        // commander passes the positional arguments, the options, then the command itself
        await action(session, ...(args.slice(0, -1) as A));
      } catch (error) {
        const cliError = error instanceof CadreApiError ? cliErrorOf(error) : error;
        if (!(cliError instanceof CliError)) throw error;
        exitCode = cliError.exitCode;
        if (json && !(cliError.details as { alreadyPrinted?: boolean } | undefined)?.alreadyPrinted) {
          const api = cliError.details instanceof CadreApiError ? cliError.details : undefined;
          io.stdout.write(
            `${JSON.stringify({ error: { exitCode: cliError.exitCode, message: cliError.message, code: api?.code, status: api?.status } }, null, 2)}\n`,
          );
        }
        io.stderr.write(`cadre: ${cliError.message}\n`);
      }
    };

  authCommands(program, run);
  agentAndTeamCommands(program, run);
  runCommands(program, run);
  keyCommands(program, run);
  marketplaceCommands(program, run);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === "commander.helpDisplayed" || error.code === "commander.version" ? EXIT.OK : EXIT.USAGE;
    }
    io.stderr.write(`cadre: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.API;
  }
  return exitCode;
}
