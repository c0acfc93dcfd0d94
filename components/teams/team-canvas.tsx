"use client";

import { PlusIcon, Trash2Icon, XIcon } from "lucide-react";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import type { TopologySpec } from "@/lib/schemas/topology";
import type { TopologyGraph } from "@/lib/topology-graph";
import {
  addDependency,
  addNode,
  canAddNode,
  canRemoveNode,
  edgesEditable,
  nodeRefAt,
  removeDependency,
  removeNode,
  replaceNodeRef,
  swapNodes,
} from "./canvas-edits";
import { arr, type Draft, getIn, refValue, valueRef } from "./spec-draft";
import { REF_MIME, TeamGraph } from "./team-graph";

export interface CanvasOption {
  slug: string;
  name: string;
}

const SELECT =
  "h-9 rounded-md border border-input bg-background px-2 text-sm shadow-xs outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:opacity-50";

/** The agents (and, in a hybrid team, the teams) a node may name, as select options; an unknown current value stays visible. */
function RefOptions({ agents, teams, current }: { agents: CanvasOption[]; teams: CanvasOption[] | null; current: string }) {
  const known = new Set([...agents.map((a) => a.slug), ...(teams ?? []).map((t) => `team:${t.slug}`)]);
  return (
    <>
      {current !== "" && !known.has(current) ? <option value={current}>{current.replace(/^team:/, "team ")} (not found)</option> : null}
      <optgroup label="Agents">
        {agents.map((a) => (
          <option key={a.slug} value={a.slug}>
            {a.name === a.slug ? a.slug : `${a.name} (${a.slug})`}
          </option>
        ))}
      </optgroup>
      {teams ? (
        <optgroup label="Teams">
          {teams.map((t) => (
            <option key={t.slug} value={`team:${t.slug}`}>{`team: ${t.name === t.slug ? t.slug : `${t.name} (${t.slug})`}`}</option>
          ))}
        </optgroup>
      ) : null}
    </>
  );
}

/** Agents (and teams, in a hybrid team) to drag onto the graph: onto a node to put it there, onto the canvas to add it. */
function Palette({ agents, teams }: { agents: CanvasOption[]; teams: CanvasOption[] | null }) {
  const items = [
    ...agents.map((a) => ({ value: a.slug, label: a.name })),
    ...(teams ?? []).map((t) => ({ value: `team:${t.slug}`, label: `team: ${t.name}` })),
  ];
  if (items.length === 0) return null;
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="Agents to drag onto the graph" data-testid="canvas-palette">
      {items.map((item) => (
        <li
          key={item.value}
          draggable
          onDragStart={(e) => {
            e.dataTransfer.setData(REF_MIME, item.value);
            e.dataTransfer.effectAllowed = "copy";
          }}
          className="cursor-grab rounded-md border bg-background px-2 py-0.5 text-xs shadow-xs active:cursor-grabbing"
          data-testid="canvas-palette-item"
          data-ref={item.value}
          title={`Drag ${item.label} onto a node to put it there, or onto the canvas to add it`}
        >
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/**
 * The team editor's canvas: the topology drawn from the draft, edited in place. Click a node to pick it (or choose
 * it in the "Node" list, for keyboards), then change the agent or team it names or take it out of the team; add a
 * member; drag an agent from the palette onto a node (or onto the canvas to add it), or a node onto another to swap
 * their parts (a worker onto the manager); in a DAG, drag from a node's right handle to another node to add a
 * dependency, and remove dependencies in the node's panel. Every edit changes the same draft as the form, so the form and the JSON follow.
 */
export function TeamCanvas({
  draft,
  graph,
  onChange,
  agents,
  teams,
  disabled,
  nested,
}: {
  draft: Draft;
  graph: TopologyGraph;
  /** nested teams' specs by slug: drawn as groups */
  nested?: Record<string, TopologySpec>;
  onChange(next: Draft): void;
  agents: CanvasOption[];
  teams: CanvasOption[];
  disabled?: boolean;
}) {
  const id = useId();
  const [picked, setPicked] = useState<string | null>(null);
  const [toAdd, setToAdd] = useState("");
  const members = graph.nodes.filter((n) => n.ref !== null);
  const selected = members.find((n) => n.id === picked) ?? null;
  const dag = edgesEditable(draft);
  // nested teams are offered where the spec allows them (a hybrid team), as in the form
  const teamOptions = draft.topology === "hybrid" ? teams : null;

  const change = (next: Draft) => {
    if (next !== draft) onChange(next);
  };

  if (disabled) return <TeamGraph graph={graph} nested={nested} />;

  const dependsOn = selected && dag ? arr(getIn(draft.topology === "hybrid" ? draft.arrangement : draft, ["nodes"])) : [];
  const selectedDeps = selected
    ? (arr((dependsOn.find((n) => (n as Draft | null)?.id === selected.id) as Draft | undefined)?.dependsOn).filter((d) => typeof d === "string") as string[])
    : [];
  const addable = members.filter((n) => selected && n.id !== selected.id && !selectedDeps.includes(n.id));

  return (
    <div className="grid gap-2" data-testid="team-canvas">
      <TeamGraph
        graph={graph}
        nested={nested}
        editing={{
          selectedId: selected?.id ?? null,
          onNodeClick: (nodeId) => setPicked(nodeId === picked ? null : nodeId),
          connectable: dag,
          onConnect: (from, to) => change(addDependency(draft, from, to)),
          onDropRef: (nodeId, value) => {
            if (nodeId) change(replaceNodeRef(draft, nodeId, valueRef(value)));
            else if (canAddNode(draft)) change(addNode(draft, valueRef(value)));
          },
          onSwap: (from, to) => change(swapNodes(draft, from, to)),
        }}
      />
      <Palette agents={agents} teams={teamOptions} />
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <div className="grid gap-1">
          <label htmlFor={`${id}-node`} className="text-xs font-medium text-muted-foreground">
            Node
          </label>
          <select
            id={`${id}-node`}
            data-testid="canvas-node-select"
            className={SELECT}
            value={selected?.id ?? ""}
            onChange={(e) => setPicked(e.target.value || null)}
          >
            <option value="">— pick a node —</option>
            {members.map((n) => (
              <option key={n.id} value={n.id}>
                {n.id} · {n.label}
              </option>
            ))}
          </select>
        </div>
        {canAddNode(draft) ? (
          <div className="flex items-end gap-2">
            <div className="grid gap-1">
              <label htmlFor={`${id}-add`} className="text-xs font-medium text-muted-foreground">
                Add to the team
              </label>
              <select id={`${id}-add`} data-testid="canvas-add-select" className={SELECT} value={toAdd} onChange={(e) => setToAdd(e.target.value)}>
                <option value="">— choose —</option>
                <RefOptions agents={agents} teams={teamOptions} current="" />
              </select>
            </div>
            <Button
              type="button"
              size="sm"
              variant="secondary"
              data-testid="canvas-add"
              disabled={toAdd === ""}
              onClick={() => {
                change(addNode(draft, valueRef(toAdd)));
                setToAdd("");
              }}
            >
              <PlusIcon aria-hidden="true" /> Add
            </Button>
          </div>
        ) : null}
        <p className="basis-full text-xs text-muted-foreground">
          {dag
            ? "Click a node to change it; drag an agent onto a node to put it there, a node onto another to swap them, or from a node's right edge to another node to make the second depend on the first."
            : "Click a node to change it or take it out of the team; drag an agent onto a node to put it there, or a node onto another to swap their parts."}
        </p>
      </div>
      {selected ? (
        <section
          className="grid gap-3 rounded-lg border bg-card p-3 text-sm"
          data-testid="canvas-inspector"
          data-node-id={selected.id}
          aria-label={`Node ${selected.id}`}
        >
          <div className="flex items-center justify-between gap-2">
            <p className="font-medium">
              {selected.id} <span className="font-normal text-muted-foreground">· {selected.role}</span>
            </p>
            <Button type="button" size="icon" variant="ghost" aria-label="Close the node's panel" onClick={() => setPicked(null)}>
              <XIcon aria-hidden="true" />
            </Button>
          </div>
          <div className="flex flex-wrap items-end gap-2">
            <div className="grid gap-1">
              <label htmlFor={`${id}-ref`} className="text-xs font-medium text-muted-foreground">
                {teamOptions ? "Agent or team" : "Agent"}
              </label>
              <select
                id={`${id}-ref`}
                data-testid="canvas-node-ref"
                className={SELECT}
                value={refValue(nodeRefAt(draft, selected.id))}
                onChange={(e) => e.target.value && change(replaceNodeRef(draft, selected.id, valueRef(e.target.value)))}
              >
                <RefOptions agents={agents} teams={teamOptions} current={refValue(nodeRefAt(draft, selected.id))} />
              </select>
            </div>
            {canRemoveNode(draft, selected.id) ? (
              <Button
                type="button"
                size="sm"
                variant="outline"
                data-testid="canvas-node-remove"
                onClick={() => {
                  change(removeNode(draft, selected.id));
                  setPicked(null);
                }}
              >
                <Trash2Icon aria-hidden="true" /> Remove from the team
              </Button>
            ) : null}
          </div>
          {dag ? (
            <div className="grid gap-2" data-testid="canvas-dependencies">
              <p className="text-xs font-medium text-muted-foreground">Depends on</p>
              {selectedDeps.length === 0 ? <p className="text-muted-foreground">Nothing: it starts from the input.</p> : null}
              <ul className="flex flex-wrap gap-2">
                {selectedDeps.map((dep) => (
                  <li key={dep} className="inline-flex items-center gap-1 rounded-md border px-2 py-0.5" data-testid="canvas-dependency" data-dep={dep}>
                    {dep}
                    <button
                      type="button"
                      className="rounded-sm p-0.5 text-muted-foreground hover:text-foreground"
                      aria-label={`Remove the dependency on ${dep}`}
                      onClick={() => change(removeDependency(draft, dep, selected.id))}
                    >
                      <XIcon className="size-3.5" aria-hidden="true" />
                    </button>
                  </li>
                ))}
              </ul>
              {addable.length ? (
                <div className="grid w-fit gap-1">
                  <label htmlFor={`${id}-dep`} className="text-xs font-medium text-muted-foreground">
                    Add a dependency
                  </label>
                  <select
                    id={`${id}-dep`}
                    data-testid="canvas-dependency-add"
                    className={SELECT}
                    value=""
                    onChange={(e) => e.target.value && change(addDependency(draft, e.target.value, selected.id))}
                  >
                    <option value="">— choose a node —</option>
                    {addable.map((n) => (
                      <option key={n.id} value={n.id}>
                        {n.id} · {n.label}
                      </option>
                    ))}
                  </select>
                </div>
              ) : null}
            </div>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
