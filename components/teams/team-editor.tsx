"use client";

import { savedNotice } from "@/components/versions/saved-notice";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { QualityGateFieldset } from "@/components/judges/quality-gate-field";
import { Checkbox } from "@/components/ui/checkbox";
import { Label } from "@/components/ui/label";
import type { AgentGatesSetting, QualityGate } from "@/lib/schemas/quality-gate";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import type { TeamOutput } from "@/lib/schemas/teams";
import { topologyGraph } from "@/lib/topology-graph";
import { Card } from "@/components/ui/card";
import { RunEstimateSummary } from "./run-estimate";
import { FormError } from "@/components/ui/form-error";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { prettyJson, starterSpec, type Draft } from "./spec-draft";
import { SpecForm } from "./spec-form";
import { TeamCanvas } from "./team-canvas";
import { TeamSpecView } from "./team-spec-view";
import { TeamGraph } from "./team-graph";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";
import { textareaClasses } from "@/components/ui/textarea";
import { cn } from "@/lib/cn";

export interface Problem {
  path: string;
  message: string;
}

/** Every problem of the spec, with its path (from teams.validate, or a JSON syntax error). */
export function ProblemList({ problems, pending }: { problems: Problem[]; pending?: boolean }) {
  return (
    <div
      className={cn("rounded-md border bg-muted/50 px-3 py-2.5", problems.length > 0 && "border-destructive/60 bg-destructive/10")}
      data-testid="team-problems"
      data-count={problems.length}
      aria-live="polite"
    >
      {problems.length === 0 ? (
        <p className="text-success text-sm">{pending ? "Checking…" : "No problems: the spec is valid."}</p>
      ) : (
        <>
          <p className="text-sm">
            <strong>
              {problems.length} problem{problems.length === 1 ? "" : "s"}
            </strong>{" "}
            to fix before saving:
          </p>
          <ul className="mt-1.5 list-disc pl-5 text-sm">
            {problems.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list (two problems can share a path)
              <li key={`${p.path}:${i}`} data-testid="team-problem" data-path={p.path}>
                {p.path ? <code className="text-xs text-destructive">{p.path}</code> : null} {p.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : "Not valid JSON" };
  }
}

/**
 * Create or edit a team: slug (create only), name, description, and the spec both as a form and as JSON. The
 * spec is validated live by the server (teams.validate) and every problem is listed with its path; the graph
 * shows the spec being edited whenever it is structurally valid. Saving an existing team writes a new version.
 * `bare` leaves out the card's frame and title (in the teams page's "New team" dialog).
 */
export function TeamEditor({ team, bare }: { team?: TeamOutput; bare?: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { can, slug: workspaceSlug } = useWorkspace();
  const editable = team ? can("teams:update") && !team.archivedAt : can("teams:create");
  // every agent and team (the list pages newest first: the editor offers them all, by slug)
  const agents = useAllPages(useInfiniteQuery(trpc.agents.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam })));
  const teams = useAllPages(useInfiniteQuery(trpc.teams.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam })));
  const agentsBySlug = useMemo(() => (agents.data ? [...agents.data].sort((a, b) => a.slug.localeCompare(b.slug)) : undefined), [agents.data]);

  const [slug, setSlug] = useState("");
  const [name, setName] = useState(team?.name ?? "");
  const [description, setDescription] = useState(team?.description ?? "");
  const [qualityGate, setQualityGate] = useState<QualityGate | null>(team?.qualityGate ?? null);
  const [agentGates, setAgentGates] = useState<AgentGatesSetting>(team?.agentGates ?? "off");
  const [draft, setDraftState] = useState<Draft | null>(team ? (team.spec as unknown as Draft) : null);
  const [text, setText] = useState(team ? prettyJson(team.spec) : "");
  const [textDirty, setTextDirty] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // the version this edit started from: a save based on an older one is refused (409) instead of overwriting
  const [baseVersion, setBaseVersion] = useState<number | undefined>(team?.latestVersion);

  const agentOptions = useMemo(() => (agentsBySlug ?? []).map((a) => ({ slug: a.slug, name: a.name })), [agentsBySlug]);
  const teamOptions = useMemo(
    () =>
      (teams.data ?? [])
        .filter((t) => t.id !== team?.id)
        .sort((a, b) => a.slug.localeCompare(b.slug))
        .map((t) => ({ slug: t.slug, name: t.name })),
    [teams.data, team?.id],
  );

  // a new team starts as a sequential team of the first agents, once they are known
  useEffect(() => {
    if (team || draft !== null || !agentsBySlug) return;
    const start = starterSpec(
      "sequential",
      agentsBySlug.slice(0, 2).map((a) => a.slug),
    );
    setDraftState(start);
    setText(prettyJson(start));
  }, [team, draft, agentsBySlug]);

  const setDraft = (next: Draft) => {
    setDraftState(next);
    setText(prettyJson(next));
    setTextDirty(false);
    setNotice(null);
  };

  const parsedText = useMemo(() => parseJson(text), [text]);
  // what would be saved: the JSON while it is being edited (when it parses), else the form's draft
  const candidate: unknown = textDirty ? (parsedText.ok ? parsedText.value : undefined) : draft;
  const debouncedCandidate = useDebounced(candidate, 300);
  const debouncedSlug = useDebounced(slug, 300);
  const validation = useQuery({
    ...trpc.teams.validate.queryOptions(
      team ? { spec: debouncedCandidate, team: team.id } : { spec: debouncedCandidate, slug: debouncedSlug.trim() || undefined },
    ),
    enabled: debouncedCandidate !== undefined && debouncedCandidate !== null,
    placeholderData: keepPreviousData,
  });
  // the estimate of the draft, live, once it is valid (and differs from the saved version, whose estimate the page shows)
  const draftChanged = !team || JSON.stringify(debouncedCandidate) !== JSON.stringify(team.spec);
  const draftEstimate = useQuery({
    ...trpc.teams.estimateDraft.queryOptions({ spec: debouncedCandidate }),
    enabled: validation.data?.valid === true && draftChanged,
    placeholderData: keepPreviousData,
  });
  const problems: Problem[] =
    textDirty && !parsedText.ok ? [{ path: "spec", message: `Not valid JSON: ${parsedText.error}` }] : (validation.data?.issues ?? []);

  const structural = useMemo(() => topologySpecSchema.safeParse(candidate), [candidate]);
  const graph = useMemo(() => {
    if (structural.success) return topologyGraph(structural.data);
    return team ? topologyGraph(team.spec) : null;
  }, [structural, team]);

  // the nested teams the graph names, read to draw each as a group of its own graph
  const nestedSlugs = useMemo(
    () => [...new Set((graph?.nodes ?? []).flatMap((n) => (n.ref !== null && typeof n.ref !== "string" ? [n.ref.team] : [])))].sort(),
    [graph],
  );
  const nestedQueries = useQueries({ queries: nestedSlugs.map((s) => ({ ...trpc.teams.get.queryOptions({ team: s }), retry: false })) });
  const nestedKey = nestedQueries.map((q) => q.dataUpdatedAt).join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the queries' results change only when one of them updates
  const nested = useMemo(() => {
    const specs: Record<string, TopologySpec> = {};
    nestedQueries.forEach((q, i) => {
      if (q.data) specs[nestedSlugs[i]!] = q.data.spec as TopologySpec;
    });
    return specs;
  }, [nestedKey, nestedSlugs]);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.teams.pathKey() });
  };
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: async (created) => {
        await refresh();
        router.push(`/w/${workspaceSlug}/teams/${created.slug}`);
      },
    }),
  );
  const update = useMutation(
    trpc.teams.update.mutationOptions({
      onSuccess: async (saved) => {
        setNotice(savedNotice(saved, baseVersion));
        setBaseVersion(saved.latestVersion);
        // a candidate's spec is not the team's current one: the draft stays as it was saved
        if (saved.latestVersion === saved.currentVersion) {
          setDraftState(saved.spec as unknown as Draft);
          setText(prettyJson(saved.spec));
        }
        setTextDirty(false);
        await refresh();
      },
      // someone else saved since this edit started: fetch their version (the conflict offers to load it)
      onError: async (error) => {
        if (errorCode(error) === "CONFLICT") await refresh();
      },
    }),
  );
  const mutation = team ? update : create;

  const [localError, setLocalError] = useState<string | null>(null);
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    setNotice(null);
    if (textDirty && !parsedText.ok) return setLocalError(`The JSON is not valid: ${parsedText.error}`);
    if (team) update.mutate({ team: team.id, name: name.trim(), description, spec: candidate, qualityGate, agentGates, baseVersion });
    else create.mutate({ slug: slug.trim(), name: name.trim(), description, spec: candidate, qualityGate, agentGates });
  }

  /** After a conflict: the editor shows the current version (someone else's save), to edit from there. */
  function loadLatest() {
    if (!team) return;
    setName(team.name);
    setDescription(team.description);
    setQualityGate(team.qualityGate);
    setAgentGates(team.agentGates);
    setDraftState(team.spec as unknown as Draft);
    setText(prettyJson(team.spec));
    setTextDirty(false);
    setBaseVersion(team.latestVersion);
    update.reset();
  }

  function applyJson() {
    if (!parsedText.ok) return setLocalError(`The JSON is not valid: ${parsedText.error}`);
    if (!parsedText.value || typeof parsedText.value !== "object" || Array.isArray(parsedText.value)) return setLocalError("The spec is a JSON object");
    setLocalError(null);
    setDraft(parsedText.value as Draft);
  }

  // whoever cannot change the team reads it: no form fields that look editable
  if (team && !editable && graph) return <TeamSpecView spec={team.spec} graph={graph} nested={nested} />;

  return (
    <Card
      className={bare ? "border-0 p-0 shadow-none" : undefined}
      title={bare ? undefined : team ? "Topology" : "New team"}
      description={
        team
          ? editable
            ? "Edit the spec as a form or as JSON; saving writes a new version."
            : undefined
          : bare
            ? undefined
            : "Arrange agents in a topology. The spec is checked as you edit."
      }
      testId="team-form"
    >
      <div className="mb-4">
        {graph ? (
          // the canvas edits the form's draft: while the JSON differs from it (or the draft is not a valid shape) it only shows
          editable && draft && !textDirty && structural.success ? (
            <TeamCanvas draft={draft} graph={graph} onChange={setDraft} agents={agentOptions} teams={teamOptions} nested={nested} />
          ) : (
            <TeamGraph graph={graph} nested={nested} />
          )
        ) : (
          <p className="text-sm text-muted-foreground">Choose a topology to see its graph.</p>
        )}
      </div>
      <form className="grid gap-4" onSubmit={onSubmit} noValidate>
        <fieldset disabled={!editable} className="m-0 flex min-w-0 flex-col gap-4 border-0 p-0">
          <div className="flex flex-wrap items-end gap-4">
            {team ? null : (
              <div className="grid min-w-36 gap-1.5">
                <label className="text-sm font-medium" htmlFor="team-slug">
                  Slug
                </label>
                <input
                  className={inputClasses}
                  id="team-slug"
                  data-testid="team-slug"
                  value={slug}
                  maxLength={63}
                  placeholder="research"
                  onChange={(e) => setSlug(e.target.value.toLowerCase())}
                />
              </div>
            )}
            <div className="grid min-w-36 gap-1.5 flex-1">
              <label className="text-sm font-medium" htmlFor="team-name">
                Name
              </label>
              <input className={inputClasses} id="team-name" data-testid="team-name" value={name} maxLength={120} onChange={(e) => setName(e.target.value)} />
            </div>
          </div>
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor="team-description">
              Description
            </label>
            <textarea
              className={textareaClasses}
              id="team-description"
              data-testid="team-description"
              rows={2}
              maxLength={2000}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>
          {draft ? (
            <SpecForm
              draft={draft}
              onChange={setDraft}
              agents={agentOptions}
              teams={teamOptions}
              disabled={!editable}
              idPrefix={team ? `team-${team.slug}` : "new-team"}
            />
          ) : null}
          <QualityGateFieldset
            value={qualityGate}
            onChange={setQualityGate}
            disabled={!editable}
            idPrefix="team"
            scope="the team run's final output"
            reviser="the whole team runs again"
          />
          <div className="flex items-start gap-2">
            <Checkbox
              id="team-agent-gates"
              data-testid="team-agent-gates"
              checked={agentGates === "on"}
              disabled={!editable}
              onCheckedChange={(on) => setAgentGates(on === true ? "on" : "off")}
            />
            <Label htmlFor="team-agent-gates" className="grid gap-0.5 font-normal">
              <span className="font-medium">Apply each agent's own quality gate inside this team</span>
              <span className="text-sm text-muted-foreground">
                Every node of an agent with a gate is judged, and may be revised, before the team goes on: each judge call and revision adds to the run's cost.
              </span>
            </Label>
          </div>
          <div className="grid gap-2">
            <div className="grid min-w-36 gap-1.5">
              <label className="text-sm font-medium" htmlFor="team-json">
                Spec as JSON
              </label>
              <textarea
                id="team-json"
                data-testid="team-json"
                className={cn(textareaClasses, "field-sizing-fixed font-mono text-xs md:text-xs")}
                rows={14}
                spellCheck={false}
                value={text}
                onChange={(e) => {
                  setText(e.target.value);
                  setTextDirty(true);
                }}
              />
            </div>
            {editable ? (
              <div className="flex flex-wrap items-center gap-2">
                <Button variant="outline" size="sm" data-testid="team-json-apply" onClick={applyJson} disabled={!textDirty}>
                  Apply JSON to the form
                </Button>
                {textDirty ? <span className="text-muted-foreground text-sm">The JSON differs from the form; saving saves the JSON.</span> : null}
              </div>
            ) : null}
          </div>
        </fieldset>
        <ProblemList problems={problems} pending={validation.isFetching} />
        {draftEstimate.data && validation.data?.valid && draftChanged ? (
          <RunEstimateSummary estimate={draftEstimate.data.estimate} problems={draftEstimate.data.problems} testId="team-draft-estimate" />
        ) : null}
        <FormError message={localError ?? (mutation.error ? errorMessage(mutation.error) : null)} />
        {team && errorCode(update.error) === "CONFLICT" && team.latestVersion !== baseVersion ? (
          <div className="flex flex-wrap items-center gap-2" data-testid="team-conflict">
            <Button variant="outline" size="sm" data-testid="team-load-latest" onClick={loadLatest}>
              Load version {team.latestVersion} (discards this edit)
            </Button>
          </div>
        ) : null}
        {notice ? (
          <p className="text-success text-sm" data-testid="team-saved">
            {notice}
          </p>
        ) : null}
        {editable ? (
          <div>
            <Button type="submit" data-testid="team-submit" disabled={mutation.isPending || candidate === undefined}>
              {mutation.isPending ? "Saving…" : team ? "Save new version" : "Create team"}
            </Button>
          </div>
        ) : null}
      </form>
    </Card>
  );
}
