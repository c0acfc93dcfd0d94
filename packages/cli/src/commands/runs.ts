/** `cadre run <agent|team> --input ... [--follow]`, `cadre runs list | get <id> | cancel <id>`. */
import type { Command } from "commander";
import { CadreApiError, type CadreClient, type RunEvent, unwrap } from "@cadre/sdk";
import { CliError, EXIT } from "../exit-codes.js";
import { table, usd } from "../format.js";
import type { ActionRunner, Query, Session } from "../io.js";
import { readStdin } from "../stdin.js";

interface RunOptions {
  input?: string;
  inputFile?: string;
  agent?: boolean;
  team?: boolean;
  follow?: boolean;
  budget?: string;
  targetVersion?: string;
  subject?: string;
}

const exists = async (call: Promise<unknown>) =>
  call.then(
    () => true,
    (error) => {
      if (error instanceof CadreApiError && error.status === 404) return false;
      throw error;
    },
  );

/** Whether the name is an agent or a team: by its id prefix, the flag, or by asking the API. */
async function targetKind(client: CadreClient, name: string, opts: RunOptions): Promise<"agent" | "team"> {
  if (opts.agent && opts.team) throw new CliError(EXIT.USAGE, "Pass either --agent or --team, not both");
  if (opts.agent || name.startsWith("agt_")) return "agent";
  if (opts.team || name.startsWith("team_")) return "team";
  const [agent, team] = await Promise.all([
    exists(unwrap(client.api.GET("/api/v1/agents/{agentId}", { params: { path: { agentId: name } } }))),
    exists(unwrap(client.api.GET("/api/v1/teams/{teamId}", { params: { path: { teamId: name } } }))),
  ]);
  if (agent && team) throw new CliError(EXIT.USAGE, `Both an agent and a team are called ${name}: pass --agent or --team`);
  if (!agent && !team) throw new CliError(EXIT.NOT_FOUND, `Not found: no agent or team ${name} in this workspace`);
  return agent ? "agent" : "team";
}

async function inputOf(session: Session, opts: RunOptions): Promise<string> {
  if (opts.input !== undefined && opts.inputFile !== undefined) throw new CliError(EXIT.USAGE, "Pass either --input or --input-file");
  if (opts.input === "-" || opts.inputFile === "-") return readStdin(session.io);
  if (opts.inputFile !== undefined) {
    const { readFile } = await import("node:fs/promises");
    return readFile(opts.inputFile, "utf8").catch((error: Error) => {
      throw new CliError(EXIT.USAGE, `Cannot read ${opts.inputFile}: ${error.message}`);
    });
  }
  if (opts.input === undefined) throw new CliError(EXIT.USAGE, "The run needs an input: --input <text>, --input-file <file> or --input - (stdin)");
  return opts.input;
}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(EXIT.USAGE, `${name} must be a number (got ${JSON.stringify(value)})`);
  return n;
}

/** One line of the progress display (stderr) for an event, or nothing. */
export function progressLine(event: RunEvent): string | undefined {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case "run.started":
      return "Run started";
    case "node.started":
      return `  … ${String(data.agent ?? data.nodeId ?? "step")} working`;
    case "node.finished":
      return `  ✓ ${String(data.agent ?? data.nodeId ?? "step")}${data.model ? ` (${String(data.model)})` : ""}`;
    case "node.failed":
      return `  ✗ ${String(data.agent ?? data.nodeId ?? "step")}: ${String(data.error ?? "failed")}`;
    case "node.waiting":
      return `  ⏸ ${String(data.agent ?? data.nodeId ?? "step")} waiting${data.reason ? `: ${String(data.reason)}` : ""}`;
    case "run.progress":
      return `[${String(data.stepsDone)}/${String(data.stepsExpected)} steps] cost ${usd(Number(data.costUsd))}`;
    default:
      return undefined;
  }
}

async function follow(session: Session, runId: string) {
  const client = session.client();
  for await (const event of client.followRun(runId)) {
    const line = session.json ? undefined : progressLine(event);
    if (line) session.note(line);
  }
  const run = await unwrap(client.api.GET("/api/v1/runs/{runId}", { params: { path: { runId } } }));
  if (session.json) session.out(JSON.stringify(run, null, 2));
  else {
    session.note(`Run ${run.id} ${run.status}: ${run.stepsDone} steps, ${usd(run.costUsd)}, ${((run.durationMs ?? 0) / 1000).toFixed(1)} s`);
    if (run.output) session.out(run.output);
  }
  if (run.status !== "succeeded") {
    throw new CliError(EXIT.RUN_FAILED, `Run ${run.id} ${run.status}${run.error ? `: ${run.error}` : ""}`, { alreadyPrinted: session.json });
  }
}

export function runCommands(program: Command, run: ActionRunner) {
  program
    .command("run <target>")
    .description("Start a run of an agent or a team (slug or id); --follow streams its progress and prints its output")
    .option("-i, --input <text>", "the task (- reads stdin)")
    .option("--input-file <file>", "read the task from a file (- reads stdin)")
    .option("--agent", "the target is an agent")
    .option("--team", "the target is a team")
    .option("-f, --follow", "stream the run's progress (stderr) until it ends, then print its output (stdout)")
    .option("--budget <usd>", "the run's budget in USD")
    .option("--target-version <n>", "run this version of the agent or team")
    .option("--subject <subject>", "the end user the run serves (e.g. customer:42)")
    .action(
      run(async (session: Session, target: string, opts: RunOptions) => {
        const client = session.client();
        const input = await inputOf(session, opts);
        const kind = await targetKind(client, target, opts);
        const budgetUsd = number(opts.budget, "--budget");
        const version = number(opts.targetVersion, "--target-version");
        const started = await unwrap(
          client.api.POST("/api/v1/runs", {
            body: {
              [kind]: target,
              input,
              ...(budgetUsd !== undefined ? { budgetUsd } : {}),
              ...(version !== undefined ? { version } : {}),
              ...(opts.subject ? { subject: opts.subject } : {}),
            },
          }),
        );
        if (!opts.follow) {
          session.result(started, () => started.id);
          return;
        }
        if (!session.json) session.note(`Run ${started.id} of ${kind} ${target} queued`);
        await follow(session, started.id);
      }),
    );

  const runs = program.command("runs").description("List, show and cancel runs");
  runs
    .command("list")
    .description("The workspace's runs, newest first")
    .option("--status <status>", "queued, running, succeeded, failed or cancelled")
    .option("--agent <agent>", "runs of this agent")
    .option("--team <team>", "runs of this team")
    .option("--channel <channel>", "runs started through web, api, cli, mcp, openai, webhook, schedule, evaluation or agent")
    .option("--channel-ref <id>", "runs started by this webhook trigger, schedule or evaluation")
    .option("--limit <n>", "how many (1-200)", "20")
    .action(
      run(async (session: Session, opts: { status?: string; agent?: string; team?: string; channel?: string; channelRef?: string; limit: string }) => {
        const limit = number(opts.limit, "--limit");
        const query = {
          limit,
          status: opts.status,
          agent: opts.agent,
          team: opts.team,
          channel: opts.channel,
          channelRef: opts.channelRef,
        } as Query<"listRuns">;
        const page = await unwrap(session.client().api.GET("/api/v1/runs", { params: { query } }));
        session.result(page, () =>
          table(
            page.data.map((r) => ({ ...r, target: `${r.targetType}/${r.team?.slug ?? r.agent?.slug}`, cost: usd(r.costUsd) })),
            ["id", "status", "target", "channel", "stepsDone", "cost", "createdAt"],
          ),
        );
      }),
    );
  runs
    .command("get <runId>")
    .description("A run: status, target, cost, steps and output")
    .action(
      run(async (session: Session, runId: string) => {
        const r = await unwrap(session.client().api.GET("/api/v1/runs/{runId}", { params: { path: { runId } } }));
        session.result(r, () =>
          [
            `Run:     ${r.id}`,
            `Status:  ${r.status}${r.error ? ` (${r.error})` : ""}`,
            `Target:  ${r.targetType}/${r.team?.slug ?? r.agent?.slug}`,
            `Source:  ${r.channel ?? "(not recorded)"}${r.channelRef ? ` (${r.channelRef})` : ""}`,
            `Steps:   ${r.stepsDone}/${r.stepsExpected ?? "?"}`,
            `Cost:    ${usd(r.costUsd)} (${r.inputTokens} in, ${r.outputTokens} out tokens)`,
            `Created: ${r.createdAt}`,
            ...(r.output ? ["", r.output] : []),
          ].join("\n"),
        );
      }),
    );
  runs
    .command("cancel <runId>")
    .description("Cancel a queued or running run")
    .action(
      run(async (session: Session, runId: string) => {
        const r = await unwrap(session.client().api.POST("/api/v1/runs/{runId}/cancel", { params: { path: { runId } } }));
        session.result(r, () => `Run ${runId}: cancel requested (status ${r.status})`);
      }),
    );
}
