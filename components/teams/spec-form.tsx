"use client";

import { useState } from "react";
import { BASE_TOPOLOGIES, DEFAULT_CONVERGENCE_THRESHOLD, TOPOLOGIES, type NodeRef, type OnUnmet, type TopologyKind } from "@/lib/schemas/topology";
import { CONTEXT_STRATEGIES, DEFAULT_CONTEXT_KEEP, DEFAULT_CONTEXT_STRATEGY, type ContextStrategy } from "@/lib/schemas/context-budget";
import {
  arr,
  draftRefs,
  isBaseTopology,
  isTopology,
  num,
  refValue,
  resizeGrid,
  setIn,
  starterSpec,
  TOPOLOGY_HINTS,
  TOPOLOGY_LABELS,
  valueRef,
  type Draft,
} from "./spec-draft";
import { BriefFields } from "./brief-fields";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { cn } from "@/lib/cn";

/** A framed group of fields (a list of slots, a DAG's nodes, a grid's cells, a tree): its buttons keep their width. */
const SLOT_LIST = "m-0 flex min-w-0 flex-col gap-2 rounded-md border px-3 pt-2.5 pb-3 [&>[data-slot=button]]:self-start";
/** The caption of a SLOT_LIST. */
const SLOT_LEGEND = "px-1 text-sm text-muted-foreground";

export interface SlotOption {
  slug: string;
  name: string;
}

type Path = (string | number)[];

interface Ctx {
  draft: Draft;
  /** where the base topology's fields live: [] or ["arrangement"] (hybrid) */
  base: Path;
  agents: SlotOption[];
  /** nested teams may be picked (hybrid only) */
  teams: SlotOption[] | null;
  disabled?: boolean;
  set: (path: Path, value: unknown) => void;
  /** several fields in one change */
  setMany: (entries: [Path, unknown][]) => void;
  /** a default for new slots */
  filler: NodeRef;
  idPrefix: string;
}

/** A select for one agent slot (or, in a hybrid spec, an agent or a nested team). Keeps unknown values visible. */
function SlotSelect({ ctx, path, label, optional }: { ctx: Ctx; path: Path; label: string; optional?: boolean }) {
  const full = [...ctx.base, ...path];
  let value: unknown = ctx.draft;
  for (const p of full) value = value && typeof value === "object" ? (value as Record<string | number, unknown>)[p] : undefined;
  const current = refValue(value);
  const known = new Set([...ctx.agents.map((a) => a.slug), ...(ctx.teams ?? []).map((t) => `team:${t.slug}`)]);
  const id = `${ctx.idPrefix}-${full.join("-")}`;
  return (
    <div className="grid min-w-36 gap-1.5">
      <label className="text-sm font-medium" htmlFor={id}>
        {label}
      </label>
      <select
        className={SELECT_CLASS}
        id={id}
        data-testid="team-agent-select"
        data-path={full.join(".")}
        value={current}
        disabled={ctx.disabled}
        onChange={(e) => ctx.set(path, e.target.value === "" ? undefined : valueRef(e.target.value))}
      >
        {optional || current === "" ? <option value="">{optional ? "— none —" : "— choose —"}</option> : null}
        {current !== "" && !known.has(current) ? <option value={current}>{current.replace(/^team:/, "team ")} (not found)</option> : null}
        <optgroup label="Agents">
          {ctx.agents.map((a) => (
            <option key={a.slug} value={a.slug}>
              {a.name === a.slug ? a.slug : `${a.name} (${a.slug})`}
            </option>
          ))}
        </optgroup>
        {ctx.teams ? (
          <optgroup label="Teams">
            {ctx.teams.map((t) => (
              <option key={t.slug} value={`team:${t.slug}`}>{`team: ${t.name === t.slug ? t.slug : `${t.name} (${t.slug})`}`}</option>
            ))}
          </optgroup>
        ) : null}
      </select>
    </div>
  );
}

/** A list of slots with add / remove. */
function SlotList({
  ctx,
  path,
  label,
  itemLabel,
  min,
  max,
}: {
  ctx: Ctx;
  path: Path;
  label: string;
  itemLabel: (i: number) => string;
  min: number;
  max: number;
}) {
  const items = arr(getAt(ctx, path));
  return (
    <fieldset className={SLOT_LIST}>
      <legend className={SLOT_LEGEND}>{label}</legend>
      {items.map((_, i) => (
        <div className="flex items-end gap-2 [&>div]:min-w-0 [&>div]:flex-1" key={i}>
          <SlotSelect ctx={ctx} path={[...path, i]} label={itemLabel(i)} />
          {!ctx.disabled && items.length > min ? (
            <Button
              variant="ghost"
              size="sm"
              aria-label={`Remove ${itemLabel(i)}`}
              onClick={() =>
                ctx.set(
                  path,
                  items.filter((__, j) => j !== i),
                )
              }
            >
              Remove
            </Button>
          ) : null}
        </div>
      ))}
      {!ctx.disabled && items.length < max ? (
        <Button variant="outline" size="sm" data-testid="team-slot-add" onClick={() => ctx.set(path, [...items, ctx.filler])}>
          + Add
        </Button>
      ) : null}
    </fieldset>
  );
}

function getAt(ctx: Ctx, path: Path): unknown {
  let value: unknown = ctx.draft;
  for (const p of [...ctx.base, ...path]) value = value && typeof value === "object" ? (value as Record<string | number, unknown>)[p] : undefined;
  return value;
}

function NumberField({
  ctx,
  path,
  label,
  min,
  max,
  fallback,
  testId,
  onValue,
  step = 1,
}: {
  ctx: Ctx;
  path: Path;
  label: string;
  min: number;
  max: number;
  fallback: number;
  testId?: string;
  onValue?: (n: number) => void;
  /** 1: whole numbers only; a fraction (0.01) lets decimals through */
  step?: number;
}) {
  const raw = getAt(ctx, path);
  // what the person is typing, until it is a number the field takes (an empty field does not snap back to the default)
  const [typing, setTyping] = useState<string | null>(null);
  const id = `${ctx.idPrefix}-${[...ctx.base, ...path].join("-")}`;
  return (
    <div className="grid min-w-36 gap-1.5">
      <label className="text-sm font-medium" htmlFor={id}>
        {label}
      </label>
      <input
        className={inputClasses}
        id={id}
        data-testid={testId}
        type="number"
        min={min}
        max={max}
        step={step}
        disabled={ctx.disabled}
        value={typing ?? (typeof raw === "number" ? String(raw) : raw === undefined ? String(fallback) : String(raw))}
        onChange={(e) => {
          setTyping(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() === "" || !(step === 1 ? Number.isInteger(n) : Number.isFinite(n))) return;
          if (onValue) onValue(n);
          else ctx.set(path, n);
        }}
        onBlur={() => setTyping(null)}
      />
    </div>
  );
}

function DagNodes({ ctx }: { ctx: Ctx }) {
  const nodes = arr(getAt(ctx, ["nodes"])) as Draft[];
  const ids = nodes.map((n) => (typeof n?.id === "string" ? n.id : ""));
  const nextId = () => {
    let i = nodes.length + 1;
    while (ids.includes(`n${i}`)) i++;
    return `n${i}`;
  };
  return (
    <fieldset className={SLOT_LIST}>
      <legend className={SLOT_LEGEND}>Nodes</legend>
      {nodes.map((n, i) => {
        const deps = arr(n?.dependsOn).filter((d): d is string => typeof d === "string");
        return (
          <div className="border-b border-dashed py-2 last-of-type:border-b-0" key={i} data-testid="team-dag-node">
            <div className="flex flex-wrap items-end gap-4">
              <div className="grid min-w-36 gap-1.5">
                <label className="text-sm font-medium" htmlFor={`${ctx.idPrefix}-dag-${i}-id`}>
                  Node id
                </label>
                <input
                  className={inputClasses}
                  id={`${ctx.idPrefix}-dag-${i}-id`}
                  data-testid="team-dag-id"
                  value={ids[i]}
                  disabled={ctx.disabled}
                  maxLength={40}
                  onChange={(e) => {
                    // renaming a node renames the dependencies on it too
                    const next = e.target.value;
                    ctx.set(
                      ["nodes"],
                      nodes.map((m, j) => ({
                        ...m,
                        ...(j === i ? { id: next } : {}),
                        dependsOn: arr(m?.dependsOn).map((d) => (d === ids[i] ? next : d)),
                      })),
                    );
                  }}
                />
              </div>
              <SlotSelect ctx={ctx} path={["nodes", i, "agent"]} label="Agent" />
              {!ctx.disabled && nodes.length > 1 ? (
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() =>
                    ctx.set(
                      ["nodes"],
                      nodes.filter((_, j) => j !== i).map((m) => ({ ...m, dependsOn: arr(m?.dependsOn).filter((d) => d !== ids[i]) })),
                    )
                  }
                >
                  Remove
                </Button>
              ) : null}
            </div>
            <div className="mt-1.5 flex flex-wrap items-center gap-x-3 gap-y-1.5">
              <span className="text-muted-foreground text-sm">Depends on:</span>
              {ids.filter((other, j) => j !== i && other).length === 0 ? <span className="text-muted-foreground text-sm">—</span> : null}
              {ids.map((other, j) =>
                j === i || !other ? null : (
                  <label key={j} className="inline-flex items-center gap-2 text-sm">
                    <input
                      className="size-4 accent-primary"
                      type="checkbox"
                      data-testid="team-dag-dep"
                      checked={deps.includes(other)}
                      disabled={ctx.disabled}
                      onChange={(e) => ctx.set(["nodes", i, "dependsOn"], e.target.checked ? [...deps, other] : deps.filter((d) => d !== other))}
                    />
                    {other}
                  </label>
                ),
              )}
            </div>
          </div>
        );
      })}
      {!ctx.disabled && nodes.length < 64 ? (
        <Button
          variant="outline"
          size="sm"
          data-testid="team-dag-add"
          onClick={() => ctx.set(["nodes"], [...nodes, { id: nextId(), agent: ctx.filler, dependsOn: [] }])}
        >
          + Add node
        </Button>
      ) : null}
    </fieldset>
  );
}

function GridCells({ ctx }: { ctx: Ctx }) {
  const rows = Math.max(1, num(getAt(ctx, ["rows"]), 1));
  const columns = Math.max(1, num(getAt(ctx, ["columns"]), 1));
  const cells = arr(getAt(ctx, ["cells"]));
  const resize = (r: number, c: number) => {
    const inner = (ctx.base.length ? (getAt({ ...ctx, base: [] }, ctx.base) as Draft) : ctx.draft) ?? {};
    const next = resizeGrid(inner, Math.min(8, Math.max(1, r)), Math.min(8, Math.max(1, c)), ctx.filler);
    ctx.setMany([
      [["rows"], next.rows],
      [["columns"], next.columns],
      [["cells"], next.cells],
    ]);
  };
  return (
    <>
      <div className="flex flex-wrap items-end gap-4">
        <NumberField ctx={ctx} path={["rows"]} label="Rows" min={1} max={8} fallback={2} testId="team-rows" onValue={(r) => resize(r, columns)} />
        <NumberField ctx={ctx} path={["columns"]} label="Columns" min={1} max={8} fallback={2} testId="team-columns" onValue={(c) => resize(rows, c)} />
      </div>
      <fieldset className={SLOT_LIST}>
        <legend className={SLOT_LEGEND}>Cells (row by row)</legend>
        <div className="grid gap-2" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
          {cells.map((_, i) => (
            <SlotSelect key={i} ctx={ctx} path={["cells", i]} label={`Row ${Math.floor(i / columns) + 1}, column ${(i % columns) + 1}`} />
          ))}
        </div>
      </fieldset>
    </>
  );
}

/** What the run does when the topology's gate is not met (the spec's `onUnmet`, see lib/schemas/topology.ts). */
function OnUnmetField({ ctx, gate, fallback }: { ctx: Ctx; gate: string; fallback: OnUnmet }) {
  const id = `${ctx.idPrefix}-${[...ctx.base, "onUnmet"].join("-")}`;
  const value = getAt(ctx, ["onUnmet"]);
  return (
    <div className="grid min-w-36 gap-1.5">
      <label className="text-sm font-medium" htmlFor={id}>
        When {gate}
      </label>
      <select
        className={SELECT_CLASS}
        id={id}
        data-testid="team-on-unmet"
        value={value === "fail" || value === "succeed_flagged" ? value : fallback}
        disabled={ctx.disabled}
        onChange={(e) => ctx.set(["onUnmet"], e.target.value)}
      >
        <option value="fail">fail the run (the last draft is kept)</option>
        <option value="succeed_flagged">succeed, flagged as not met</option>
      </select>
    </div>
  );
}

/** How the agents' prompts keep within their context budget (the spec's `contextBudget`, lib/schemas/context-budget.ts). */
function ContextBudgetField({ ctx }: { ctx: Ctx }) {
  const id = `${ctx.idPrefix}-${[...ctx.base, "contextBudget"].join("-")}`;
  const current = getAt(ctx, ["contextBudget"]) as { strategy?: unknown; keep?: unknown } | undefined;
  const strategy = CONTEXT_STRATEGIES.find((s) => s === current?.strategy) ?? DEFAULT_CONTEXT_STRATEGY;
  return (
    <div className="flex flex-wrap items-end gap-4">
      <div className="grid min-w-36 gap-1.5">
        <label className="text-sm font-medium" htmlFor={id}>
          When other agents' outputs do not fit a prompt
        </label>
        <select
          className={SELECT_CLASS}
          id={id}
          data-testid="team-context-budget"
          value={strategy}
          disabled={ctx.disabled}
          onChange={(e) => {
            const next = e.target.value as ContextStrategy;
            ctx.set(
              ["contextBudget"],
              next === DEFAULT_CONTEXT_STRATEGY ? undefined : next === "last_k" ? { strategy: next, keep: DEFAULT_CONTEXT_KEEP } : { strategy: next },
            );
          }}
        >
          <option value="truncate">cut each fairly (default)</option>
          <option value="last_k">keep only the last few</option>
          <option value="summarize">summarise the older ones (an extra, billed step)</option>
        </select>
      </div>
      {strategy === "last_k" ? (
        <NumberField
          ctx={ctx}
          path={["contextBudget", "keep"]}
          label="Outputs kept"
          min={1}
          max={64}
          fallback={DEFAULT_CONTEXT_KEEP}
          testId="team-context-keep"
        />
      ) : null}
    </div>
  );
}

const EMBEDDING_PRESETS = ["balanced", "fast", "capable"] as const;

/**
 * How a mesh decides it converged (the spec's `convergence`): the answers stop changing (cosine similarity of their
 * embeddings with the previous round's, at least a threshold; the embedding model's policy a preset), or a judge.
 */
function MeshConvergenceField({ ctx }: { ctx: Ctx }) {
  const id = `${ctx.idPrefix}-${[...ctx.base, "convergence"].join("-")}`;
  const by = getAt(ctx, ["convergence", "by"]) === "judge" ? "judge" : "similarity";
  const policy = getAt(ctx, ["convergence", "embeddingPolicy"]) as { type?: string; preset?: string } | undefined;
  const preset = policy?.type === "preset" && policy.preset ? policy.preset : policy ? "custom" : "balanced";
  return (
    <fieldset className={SLOT_LIST} data-testid="team-convergence">
      <legend className={SLOT_LEGEND}>Converged when</legend>
      <div className="grid min-w-36 gap-1.5">
        <label className="text-sm font-medium" htmlFor={id}>
          Decided by
        </label>
        <select
          className={SELECT_CLASS}
          id={id}
          data-testid="team-convergence-by"
          value={by}
          disabled={ctx.disabled}
          onChange={(e) =>
            ctx.set(
              ["convergence"],
              e.target.value === "judge" ? { by: "judge", judge: ctx.filler } : { by: "similarity", threshold: DEFAULT_CONVERGENCE_THRESHOLD },
            )
          }
        >
          <option value="similarity">the answers stop changing (embedding similarity)</option>
          <option value="judge">a judge says the agents agree</option>
        </select>
      </div>
      {by === "judge" ? (
        <SlotSelect ctx={ctx} path={["convergence", "judge"]} label="Judge" />
      ) : (
        <div className="flex flex-wrap items-end gap-4">
          <NumberField
            ctx={ctx}
            path={["convergence", "threshold"]}
            label="Similarity threshold (0–1)"
            min={0.01}
            max={1}
            step={0.01}
            fallback={DEFAULT_CONVERGENCE_THRESHOLD}
            testId="team-convergence-threshold"
          />
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor={`${id}-policy`}>
              Embedding model
            </label>
            <select
              className={SELECT_CLASS}
              id={`${id}-policy`}
              data-testid="team-convergence-policy"
              value={preset}
              disabled={ctx.disabled}
              onChange={(e) => {
                if (e.target.value === "custom") return; // a custom policy is kept as it is (edited as JSON)
                ctx.set(["convergence", "embeddingPolicy"], e.target.value === "balanced" ? undefined : { type: "preset", preset: e.target.value });
              }}
            >
              {EMBEDDING_PRESETS.map((p) => (
                <option key={p} value={p}>
                  {p === "balanced" ? "balanced preset (default)" : `${p} preset`}
                </option>
              ))}
              {preset !== "custom" && (EMBEDDING_PRESETS as readonly string[]).includes(preset) ? null : (
                <option value={preset}>{preset === "custom" ? "custom policy (edit as JSON)" : `${preset} preset`}</option>
              )}
            </select>
          </div>
        </div>
      )}
    </fieldset>
  );
}

function BaseFields({ ctx, topology }: { ctx: Ctx; topology: string }) {
  const rounds = (key: string, label: string, dflt: number) => (
    <NumberField ctx={ctx} path={[key]} label={label} min={1} max={10} fallback={dflt} testId="team-rounds" />
  );
  switch (topology) {
    case "sequential":
      return (
        <>
          <SlotList ctx={ctx} path={["agents"]} label="Agents, in order" itemLabel={(i) => `Step ${i + 1}`} min={1} max={32} />
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor={`${ctx.idPrefix}-context`}>
              Each agent sees
            </label>
            <select
              className={SELECT_CLASS}
              id={`${ctx.idPrefix}-context`}
              data-testid="team-context"
              value={String(getAt(ctx, ["context"]) ?? "last")}
              disabled={ctx.disabled}
              onChange={(e) => ctx.set(["context"], e.target.value)}
            >
              <option value="last">the previous output</option>
              <option value="all">all previous outputs</option>
            </select>
          </div>
        </>
      );
    case "parallel":
      return (
        <>
          <SlotList ctx={ctx} path={["agents"]} label="Agents (all at once)" itemLabel={(i) => `Agent ${i + 1}`} min={1} max={32} />
          <SlotSelect ctx={ctx} path={["aggregator"]} label="Aggregator (optional)" optional />
        </>
      );
    case "hierarchical":
      return (
        <>
          <SlotSelect ctx={ctx} path={["manager"]} label="Manager" />
          <SlotList ctx={ctx} path={["workers"]} label="Workers" itemLabel={(i) => `Worker ${i + 1}`} min={1} max={32} />
          <div className="flex flex-wrap items-end gap-4">
            <NumberField ctx={ctx} path={["depth"]} label="Depth" min={1} max={3} fallback={1} testId="team-depth" />
            <NumberField ctx={ctx} path={["maxSubtasks"]} label="Max subtasks" min={1} max={20} fallback={8} />
          </div>
        </>
      );
    case "dag":
      return (
        <>
          <DagNodes ctx={ctx} />
          <NumberField ctx={ctx} path={["maxParallel"]} label="Max parallel" min={1} max={16} fallback={4} />
        </>
      );
    case "debate":
      return (
        <>
          <SlotList ctx={ctx} path={["debaters"]} label="Debaters" itemLabel={(i) => `Debater ${i + 1}`} min={2} max={8} />
          <SlotSelect ctx={ctx} path={["judge"]} label="Judge" />
          {rounds("rounds", "Rounds (at most)", 3)}
          <OnUnmetField ctx={ctx} gate="the judge finds no consensus" fallback="succeed_flagged" />
        </>
      );
    case "mesh":
      return (
        <>
          <SlotList ctx={ctx} path={["agents"]} label="Agents" itemLabel={(i) => `Agent ${i + 1}`} min={2} max={12} />
          {rounds("rounds", "Rounds (at most)", 3)}
          <MeshConvergenceField ctx={ctx} />
          <OnUnmetField ctx={ctx} gate="the outputs do not converge" fallback="succeed_flagged" />
        </>
      );
    case "star":
      return (
        <>
          <SlotSelect ctx={ctx} path={["hub"]} label="Hub" />
          <SlotList ctx={ctx} path={["spokes"]} label="Spokes" itemLabel={(i) => `Spoke ${i + 1}`} min={1} max={16} />
          {rounds("rounds", "Rounds (at most)", 2)}
        </>
      );
    case "grid":
      return (
        <>
          <GridCells ctx={ctx} />
          <SlotSelect ctx={ctx} path={["aggregator"]} label="Aggregator" />
          {rounds("rounds", "Rounds", 2)}
        </>
      );
    case "forest": {
      const trees = arr(getAt(ctx, ["trees"]));
      return (
        <>
          {trees.map((_, t) => (
            <fieldset className={cn(SLOT_LIST, "gap-1.5")} key={t}>
              <legend className={SLOT_LEGEND}>Tree {t + 1}</legend>
              <SlotSelect ctx={ctx} path={["trees", t, "manager"]} label="Manager" />
              <SlotList ctx={ctx} path={["trees", t, "workers"]} label="Workers" itemLabel={(i) => `Worker ${i + 1}`} min={1} max={16} />
              <NumberField ctx={ctx} path={["trees", t, "depth"]} label="Depth" min={1} max={3} fallback={1} />
              {!ctx.disabled && trees.length > 2 ? (
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() =>
                    ctx.set(
                      ["trees"],
                      trees.filter((__, j) => j !== t),
                    )
                  }
                >
                  Remove tree
                </Button>
              ) : null}
            </fieldset>
          ))}
          {!ctx.disabled && trees.length < 8 ? (
            <Button variant="outline" size="sm" onClick={() => ctx.set(["trees"], [...trees, { manager: ctx.filler, workers: [ctx.filler], depth: 1 }])}>
              + Add tree
            </Button>
          ) : null}
          <SlotSelect ctx={ctx} path={["aggregator"]} label="Aggregator" />
        </>
      );
    }
    case "circular":
      return (
        <>
          <SlotList ctx={ctx} path={["agents"]} label="Agents around the ring" itemLabel={(i) => `Seat ${i + 1}`} min={2} max={16} />
          {rounds("laps", "Laps (at most)", 2)}
          <OnUnmetField ctx={ctx} gate="no agent says done" fallback="succeed_flagged" />
        </>
      );
    case "mixture_of_agents": {
      const layers = arr(getAt(ctx, ["layers"]));
      return (
        <>
          {layers.map((_, l) => (
            <div key={l} className="flex flex-col gap-1.5 [&>[data-slot=button]]:self-start">
              <SlotList ctx={ctx} path={["layers", l]} label={`Layer ${l + 1}`} itemLabel={(i) => `Proposer ${i + 1}`} min={1} max={16} />
              {!ctx.disabled && layers.length > 1 ? (
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() =>
                    ctx.set(
                      ["layers"],
                      layers.filter((__, j) => j !== l),
                    )
                  }
                >
                  Remove layer
                </Button>
              ) : null}
            </div>
          ))}
          {!ctx.disabled && layers.length < 6 ? (
            <Button variant="outline" size="sm" onClick={() => ctx.set(["layers"], [...layers, [ctx.filler]])}>
              + Add layer
            </Button>
          ) : null}
          <SlotSelect ctx={ctx} path={["aggregator"]} label="Aggregator" />
        </>
      );
    }
    case "maker_checker":
      return (
        <>
          <SlotSelect ctx={ctx} path={["maker"]} label="Maker" />
          <SlotList ctx={ctx} path={["checkers"]} label="Checkers" itemLabel={(i) => `Checker ${i + 1}`} min={1} max={8} />
          {rounds("maxIterations", "Max iterations", 3)}
          <OnUnmetField ctx={ctx} gate="the checkers do not approve" fallback="fail" />
        </>
      );
    case "supervisor":
      return (
        <>
          <SlotSelect ctx={ctx} path={["supervisor"]} label="Supervisor (picks the next worker each turn)" />
          <SlotList ctx={ctx} path={["workers"]} label="Workers (distinct)" itemLabel={(i) => `Worker ${i + 1}`} min={1} max={16} />
          <NumberField ctx={ctx} path={["maxTurns"]} label="Max turns" min={1} max={20} fallback={8} testId="team-max-turns" />
          <label className="inline-flex items-center gap-2 text-sm">
            <input
              className="size-4 accent-primary"
              type="checkbox"
              data-testid="team-parallel"
              checked={getAt(ctx, ["parallel"]) === true}
              disabled={ctx.disabled}
              onChange={(e) => ctx.set(["parallel"], e.target.checked)}
            />
            may pick several workers per turn (they run at once)
          </label>
        </>
      );
    default:
      return <p className="text-muted-foreground">Choose a topology, or edit the JSON below.</p>;
  }
}

/**
 * The spec as a form: the topology, then its fields (agent pickers, rounds, rows/columns, DAG nodes with their
 * dependencies, nested team pickers for hybrid). Changes go to `onChange` as a new draft.
 */
export function SpecForm({
  draft,
  onChange,
  agents,
  teams,
  disabled,
  idPrefix = "spec",
}: {
  draft: Draft;
  onChange: (draft: Draft) => void;
  agents: SlotOption[];
  /** teams that may be nested (hybrid), without the team being edited */
  teams: SlotOption[];
  disabled?: boolean;
  idPrefix?: string;
}) {
  const topology = isTopology(draft.topology) ? draft.topology : "";
  const hybrid = topology === "hybrid";
  const arrangement = hybrid && draft.arrangement && typeof draft.arrangement === "object" ? (draft.arrangement as Draft) : null;
  const inner = hybrid ? (isBaseTopology(arrangement?.topology) ? arrangement!.topology : "") : topology;
  const filler: NodeRef = agents[0]?.slug ?? "";
  const base: Path = hybrid ? ["arrangement"] : [];
  const ctx: Ctx = {
    draft,
    base,
    agents,
    teams: hybrid ? teams : null,
    disabled,
    filler,
    idPrefix,
    set: (path, value) => onChange(setIn(draft, [...base, ...path], value) as Draft),
    setMany: (entries) => onChange(entries.reduce<unknown>((d, [path, value]) => setIn(d, [...base, ...path], value), draft) as Draft),
  };
  const fallbackRefs = (): NodeRef[] => {
    const chosen = draftRefs(draft);
    return chosen.length ? chosen : agents.map((a) => a.slug);
  };
  const changeTopology = (next: TopologyKind) => {
    const refs = fallbackRefs().filter((r) => next === "hybrid" || typeof r === "string");
    onChange(starterSpec(next, refs.length ? refs : agents.map((a) => a.slug), next === "hybrid" && isBaseTopology(inner) ? inner : undefined));
  };
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end gap-4">
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor={`${idPrefix}-topology`}>
            Topology
          </label>
          <select
            className={SELECT_CLASS}
            id={`${idPrefix}-topology`}
            data-testid="team-topology"
            value={topology}
            disabled={disabled}
            onChange={(e) => changeTopology(e.target.value as TopologyKind)}
          >
            {topology === "" ? <option value="">— choose —</option> : null}
            {TOPOLOGIES.map((t) => (
              <option key={t} value={t}>
                {TOPOLOGY_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        {hybrid ? (
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor={`${idPrefix}-arrangement`}>
              Arrangement
            </label>
            <select
              className={SELECT_CLASS}
              id={`${idPrefix}-arrangement`}
              data-testid="team-arrangement"
              value={inner}
              disabled={disabled}
              onChange={(e) => onChange({ topology: "hybrid", arrangement: starterSpec(e.target.value as TopologyKind, fallbackRefs()) })}
            >
              {inner === "" ? <option value="">— choose —</option> : null}
              {BASE_TOPOLOGIES.map((t) => (
                <option key={t} value={t}>
                  {TOPOLOGY_LABELS[t]}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </div>
      {topology ? (
        <p className="text-xs text-muted-foreground">
          {TOPOLOGY_HINTS[topology]}
          {hybrid && inner ? ` Arrangement: ${TOPOLOGY_HINTS[inner]}` : ""}
        </p>
      ) : null}
      {agents.length === 0 ? (
        <p className="rounded-lg border bg-muted/40 px-4 py-3 text-sm" data-testid="team-no-agents">
          Create an agent first: a team arranges agents.
        </p>
      ) : null}
      <BaseFields ctx={ctx} topology={inner} />
      {inner ? <ContextBudgetField ctx={ctx} /> : null}
      {inner ? (
        <BriefFields
          spec={(hybrid ? (arrangement ?? {}) : draft) as Record<string, unknown>}
          disabled={disabled}
          idPrefix={idPrefix}
          onChange={(nodeId, brief) => ctx.set(["briefs", nodeId], brief)}
        />
      ) : null}
    </div>
  );
}
