"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "next/navigation";
import Link from "next/link";
import { useMutation, useQuery } from "@tanstack/react-query";
import { MessageSquareIcon } from "lucide-react";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { newIdempotencyKey } from "@/lib/idempotency";
import { conversationKey, lastTargetKey, parseConversation, runInput, serializeConversation, type PlaygroundTurn } from "@/lib/playground";
import { MAX_RUN_INPUT } from "@/lib/schemas/runs";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ChatTurn } from "./chat-turn";
import { PendingAnswer } from "./pending-answer";

const selectClass = SELECT_CLASS;

/** "agent:<slug>" / "team:<slug>" */
function parseTarget(value: string): { agent: string } | { team: string } | null {
  const [kind, slug] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
  if (!slug) return null;
  return kind === "team" ? { team: slug } : kind === "agent" ? { agent: slug } : null;
}

/** The conversation of one target, kept in localStorage (read after mount: the server render has none). */
function useConversation(key: string | null): [PlaygroundTurn[], (next: PlaygroundTurn[]) => void] {
  const [turns, setTurns] = useState<PlaygroundTurn[]>([]);
  useEffect(() => {
    setTurns(key ? parseConversation(window.localStorage.getItem(key)) : []);
  }, [key]);
  const save = useCallback(
    (next: PlaygroundTurn[]) => {
      setTurns(next);
      if (!key) return;
      if (next.length === 0) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, serializeConversation(next));
    },
    [key],
  );
  return [turns, save];
}

/** Try an agent or a team by chatting with it; every message is an ordinary run (in the runs list, with its trace). */
export function PlaygroundPage() {
  const trpc = useTRPC();
  const { slug, user, can } = useWorkspace();
  const agents = useQuery({ ...trpc.agents.list.queryOptions({ limit: 200 }), enabled: can("agents:read") });
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ limit: 200 }), enabled: can("teams:read") });
  const presets = useQuery({ ...trpc.routing.presets.list.queryOptions(), enabled: can("models:read") });
  const params = useSearchParams();
  // a link can choose the target (?target=agent:<slug> or team:<slug>, e.g. from the command palette)
  const [target, setTarget] = useState(() => params.get("target") ?? "");
  const [preset, setPreset] = useState("");
  // "" = the target's current version; else an earlier version to try (versions are numbered 1..current)
  const [version, setVersion] = useState("");
  const [withTranscript, setWithTranscript] = useState(true);
  const [message, setMessage] = useState("");
  const [pending, setPending] = useState<string | null>(null);
  const key = target ? conversationKey(user.id, slug, target) : null;
  const [turns, saveTurns] = useConversation(key);
  const turnsRef = useRef(turns);
  turnsRef.current = turns;
  const endRef = useRef<HTMLDivElement>(null);

  const agentItems = agents.data?.items ?? [];
  const teamItems = teams.data?.items ?? [];
  // the first agent (or team) is chosen once the lists are in
  // (or the one asked for is not there)
  const listed = useMemo(() => new Set([...agentItems.map((a) => `agent:${a.slug}`), ...teamItems.map((t) => `team:${t.slug}`)]), [agentItems, teamItems]);
  const lastKey = lastTargetKey(user.id, slug);
  // (once both lists are in: else the first to arrive would win)
  const listsIn = !(can("agents:read") && agents.isPending) && !(can("teams:read") && teams.isPending);
  useEffect(() => {
    if (!listsIn || listed.size === 0 || (target && listed.has(target))) return;
    const last = window.localStorage.getItem(lastKey);
    setTarget(last && listed.has(last) ? last : (listed.values().next().value ?? ""));
  }, [target, listed, lastKey, listsIn]);
  // the target talked to last is where the page opens next time
  useEffect(() => {
    if (target && listed.has(target)) window.localStorage.setItem(lastKey, target);
  }, [target, listed, lastKey]);
  // keep the newest message in view as the conversation grows
  useEffect(() => {
    if (turns.length > 0 || pending) endRef.current?.scrollIntoView({ block: "nearest" });
  }, [turns.length, pending]);

  const start = useMutation(trpc.runs.start.mutationOptions());
  const send = () => {
    const ref = parseTarget(target);
    const text = message.trim();
    if (!ref || !text || pending) return;
    const asked: PlaygroundTurn = { role: "user", text };
    start.mutate(
      {
        ...ref,
        input: runInput(turns, text, withTranscript),
        ...(preset ? { modelPolicy: { type: "preset", preset } } : {}),
        ...(version ? { version: Number(version) } : {}),
        idempotencyKey: newIdempotencyKey(),
      },
      {
        onSuccess: (run) => {
          saveTurns([...turnsRef.current, asked]);
          setMessage("");
          setPending(run.id);
        },
      },
    );
  };
  const onDone = useCallback(
    (answer: PlaygroundTurn) => {
      saveTurns([...turnsRef.current, answer]);
      setPending(null);
    },
    [saveTurns],
  );

  const targetRef = parseTarget(target);
  const currentVersion =
    (targetRef && "agent" in targetRef ? agentItems.find((a) => a.slug === targetRef.agent) : teamItems.find((t) => targetRef && t.slug === targetRef.team))
      ?.currentVersion ?? 0;
  const loading = (can("agents:read") && agents.isPending) || (can("teams:read") && teams.isPending);
  const nothing = !loading && agentItems.length === 0 && teamItems.length === 0;
  const canRun = can("runs:create");

  return (
    <div className="mx-auto grid w-full max-w-4xl gap-4">
      <PageHeader
        title="Playground"
        description="Chat with an agent or a team. Every message is a run: it shows in Runs with its trace and counts against the budget."
      />
      {loading ? (
        <Skeleton className="h-48" />
      ) : agents.isError || teams.isError ? (
        <p role="alert" className="text-sm text-destructive">
          {errorMessage(agents.error ?? teams.error)}
        </p>
      ) : nothing ? (
        <EmptyState
          icon={MessageSquareIcon}
          title="Nothing to talk to yet"
          text="Create an agent, or a team from a template, then try it here."
          action={
            <Link className="text-sm underline underline-offset-4" href={`/w/${slug}/agents`}>
              Create an agent
            </Link>
          }
          testId="playground-empty"
        />
      ) : (
        <>
          <div className="grid gap-3 rounded-lg border p-3 sm:grid-cols-[2fr_1fr_1fr_auto] sm:items-end">
            <div className="grid gap-1.5">
              <Label htmlFor="playground-target">Talk to</Label>
              <select
                id="playground-target"
                className={selectClass}
                value={target}
                onChange={(e) => {
                  setTarget(e.target.value);
                  setVersion("");
                }}
                data-testid="playground-target"
              >
                {agentItems.length ? (
                  <optgroup label="Agents">
                    {agentItems.map((a) => (
                      <option key={a.id} value={`agent:${a.slug}`}>
                        {a.name} (v{a.currentVersion})
                      </option>
                    ))}
                  </optgroup>
                ) : null}
                {teamItems.length ? (
                  <optgroup label="Teams">
                    {teamItems.map((t) => (
                      <option key={t.id} value={`team:${t.slug}`}>
                        {t.name} (v{t.currentVersion})
                      </option>
                    ))}
                  </optgroup>
                ) : null}
              </select>
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="playground-version">Version</Label>
              <select
                id="playground-version"
                className={selectClass}
                value={version}
                onChange={(e) => setVersion(e.target.value)}
                disabled={currentVersion <= 1}
                data-testid="playground-version"
              >
                <option value="">Current{currentVersion ? ` (v${currentVersion})` : ""}</option>
                {Array.from({ length: Math.max(0, currentVersion - 1) }, (_, i) => currentVersion - 1 - i).map((v) => (
                  <option key={v} value={String(v)}>
                    v{v}
                  </option>
                ))}
              </select>
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="playground-policy">Model policy</Label>
              <select id="playground-policy" className={selectClass} value={preset} onChange={(e) => setPreset(e.target.value)} data-testid="playground-policy">
                <option value="">Its own</option>
                {presets.data?.map((p) => (
                  <option key={p.name} value={p.name}>
                    Preset {p.name}
                  </option>
                ))}
              </select>
            </div>
            <Button variant="outline" onClick={() => saveTurns([])} disabled={turns.length === 0 || pending !== null} data-testid="playground-new">
              New conversation
            </Button>
          </div>

          <section aria-label="Conversation" className="grid min-h-48 content-start gap-3 rounded-lg border p-3">
            {turns.length === 0 && !pending ? <p className="text-sm text-muted-foreground">Send a message to start.</p> : null}
            <ol className="grid gap-3">
              {turns.map((turn, i) => (
                // turns are only ever appended or cleared: the index is stable
                // biome-ignore lint/suspicious/noArrayIndexKey: see above
                <ChatTurn key={i} turn={turn} slug={slug} index={i} />
              ))}
            </ol>
            {pending ? <PendingAnswer key={pending} runId={pending} slug={slug} onDone={onDone} /> : null}
            <div ref={endRef} />
          </section>

          <form
            className="grid gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              send();
            }}
          >
            <Label htmlFor="playground-message">Message</Label>
            <Textarea
              id="playground-message"
              rows={3}
              value={message}
              maxLength={MAX_RUN_INPUT}
              disabled={!canRun}
              placeholder={canRun ? "Ask something… (Enter sends, Shift+Enter for a new line)" : undefined}
              onChange={(e) => setMessage(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
                  e.preventDefault();
                  send();
                }
              }}
              data-testid="playground-message"
            />
            {!canRun ? <p className="text-sm text-muted-foreground">Your role cannot start runs, so it cannot send messages here.</p> : null}
            {start.isError ? (
              <p role="alert" className="text-sm text-destructive" data-testid="playground-error">
                {errorMessage(start.error)}
              </p>
            ) : null}
            <div className="flex flex-wrap items-center justify-between gap-3">
              <div className="flex items-center gap-2">
                <Switch id="playground-transcript" checked={withTranscript} onCheckedChange={setWithTranscript} data-testid="playground-transcript" />
                <Label htmlFor="playground-transcript" className="font-normal">
                  Send the conversation so far with each message (agents have no memory between runs yet)
                </Label>
              </div>
              <Button type="submit" disabled={!canRun || pending !== null || start.isPending || message.trim() === ""} data-testid="playground-send">
                {pending || start.isPending ? "Answering…" : "Send"}
              </Button>
            </div>
          </form>
        </>
      )}
    </div>
  );
}
