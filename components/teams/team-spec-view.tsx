import type { TopologySpec } from "@/lib/schemas/topology";
import type { TopologyGraph } from "@/lib/topology-graph";
import { TOPOLOGY_HINTS, TOPOLOGY_LABELS } from "./spec-draft";
import { TeamGraph } from "./team-graph";

/**
 * A team's topology for someone who may read it but not change it: the graph, what the topology does, who plays
 * which part, and the spec as JSON. No form fields that look editable.
 */
export function TeamSpecView({ spec, graph, nested }: { spec: TopologySpec; graph: TopologyGraph; nested?: Record<string, TopologySpec> }) {
  const inner = spec.topology === "hybrid" ? spec.arrangement.topology : null;
  const members = graph.nodes.filter((n) => n.ref !== null);
  return (
    <section
      className="grid gap-4 rounded-xl border bg-card p-4 text-card-foreground shadow-xs"
      data-testid="team-spec-view"
      aria-labelledby="team-spec-view-title"
    >
      <div className="grid gap-1">
        <h2 id="team-spec-view-title" className="text-base font-semibold">
          Topology
        </h2>
        <p className="text-sm text-muted-foreground">Read-only: your role can see this team but not change it.</p>
      </div>
      <TeamGraph graph={graph} nested={nested} />
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="text-muted-foreground">Topology</dt>
        <dd data-testid="team-spec-topology">
          {TOPOLOGY_LABELS[spec.topology]}
          {inner ? ` of a ${TOPOLOGY_LABELS[inner].toLowerCase()} arrangement` : ""}
          <span className="block text-muted-foreground">{TOPOLOGY_HINTS[inner ?? spec.topology]}</span>
        </dd>
        <dt className="text-muted-foreground">Members</dt>
        <dd>
          <ul className="grid gap-1">
            {members.map((n) => (
              <li key={n.id} data-testid="team-spec-member" data-node-id={n.id}>
                <span className="font-medium">{n.label}</span> <span className="text-muted-foreground">· {n.role}</span>
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      <details className="text-sm">
        <summary className="cursor-pointer text-muted-foreground">The spec as JSON</summary>
        <pre className="mt-2 max-h-96 overflow-auto rounded-md bg-muted p-3 font-mono text-xs" data-testid="team-json-view">
          {JSON.stringify(spec, null, 2)}
        </pre>
      </details>
    </section>
  );
}
