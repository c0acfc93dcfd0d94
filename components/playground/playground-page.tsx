"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "next/navigation";
import Link from "next/link";
import { skipToken, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MessageSquareIcon } from "lucide-react";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { chatTitle, lastTargetKey, parseTarget, sessionFromUrl, sessionTarget, urlWithSession } from "@/lib/playground";
import { MAX_RUN_INPUT } from "@/lib/schemas/runs";
import { memoryScopeIdSchema } from "@/lib/schemas/memory";
import type { SessionMessageOutput } from "@/lib/schemas/sessions";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { Skeleton } from "@/components/ui/skeleton";
import { Textarea } from "@/components/ui/textarea";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ChatList } from "./chat-list";
import { ChatTurn } from "./chat-turn";
import { PendingAnswer } from "./pending-answer";

const selectClass = SELECT_CLASS;
/** a session's history is read in pages of this size, all of them (useAllPages) */
const HISTORY_PAGE = 200;
/** how often an open chat looks for a message sent elsewhere (another tab or person) while it waits for none */
const SESSION_REFRESH_MS = 10_000;

const CONFLICT_TEXT =
  "This chat is already answering a message, sent from another tab or by someone else. Its answer appears below; send yours once it has come (your text is kept).";

/**
 * Chat with an agent or a team. A chat is a session (`sessions.*`): the first message creates it, every message is an
 * ordinary run of the target that sees the earlier turns on the server, and the history shown is the session's (so it
 * survives a reload: the session is in the URL, `?session=ses_...`). Recent chats can be reopened.
 */
export function PlaygroundPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, user, can } = useWorkspace();
  const agents = useQuery({ ...trpc.agents.list.queryOptions({ limit: 200 }), enabled: can("agents:read") });
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ limit: 200 }), enabled: can("teams:read") });
  const presets = useQuery({ ...trpc.routing.presets.list.queryOptions(), enabled: can("models:read") });
  const params = useSearchParams();
  // a link can open a chat (?session=ses_...) or choose the target of a new one (?target=agent:<slug> or team:<slug>)
  const urlSession = sessionFromUrl(params.get("session"));
  const urlTarget = params.get("target");
  const [sessionId, setSessionId] = useState<string | null>(urlSession);
  const [target, setTarget] = useState(() => urlTarget ?? "");
  const [preset, setPreset] = useState("");
  // "" = the target's current version; else an earlier version to try (versions are numbered 1..current)
  const [version, setVersion] = useState("");
  const [subject, setSubject] = useState("");
  const [message, setMessage] = useState("");
  // the run answering the chat's last message (sent here, or found busy on the server)
  const [pending, setPending] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  // what refused the last message: creating its chat, or sending it
  const [failure, setFailure] = useState<{ error: unknown; during: "create" | "send" } | null>(null);
  // messages sent from this page, shown until the history has them
  const [sent, setSent] = useState<SessionMessageOutput[]>([]);
  const finished = useRef(new Set<string>());
  const endRef = useRef<HTMLDivElement>(null);
  const boxRef = useRef<HTMLTextAreaElement>(null);

  /** shows chat `id` (null: a new chat) */
  const open = useCallback((id: string | null) => {
    setSessionId(id);
    setPending(null);
    setSent([]);
    setFailure(null);
    setVersion("");
  }, []);
  /** …and keeps it in the URL (a reload, a copied link open the same chat) */
  const openInUrl = useCallback(
    (id: string | null) => {
      open(id);
      window.history.replaceState(null, "", urlWithSession(window.location.href, id));
    },
    [open],
  );
  // a link to another chat while the page is open (the URL changed by something else than this page)
  const shown = useRef(sessionId);
  shown.current = sessionId;
  useEffect(() => {
    if (urlSession !== shown.current) open(urlSession);
  }, [urlSession, open]);
  useEffect(() => {
    if (urlTarget) setTarget(urlTarget);
  }, [urlTarget]);

  const session = useQuery({
    ...trpc.sessions.get.queryOptions(sessionId ? { sessionId } : skipToken),
    refetchInterval: pending ? false : SESSION_REFRESH_MS,
  });
  const messagesQuery = useInfiniteQuery(
    trpc.sessions.messages.infiniteQueryOptions(sessionId ? { sessionId, limit: HISTORY_PAGE } : skipToken, { getNextPageParam: nextPageParam }),
  );
  const history = useAllPages(messagesQuery);
  const turns = useMemo(() => {
    const stored = history.data ?? [];
    const seen = new Set(stored.map((m) => m.id));
    return [...stored, ...sent.filter((m) => !seen.has(m.id))];
  }, [history.data, sent]);

  // an open chat's target is the session's
  const chatTarget = session.data ? sessionTarget(session.data) : null;
  useEffect(() => {
    if (chatTarget) setTarget(chatTarget);
  }, [chatTarget]);
  // a message being answered (from another tab, or before a reload) is followed like one sent here
  const busy = session.data?.busyRunId ?? null;
  const refreshChat = useCallback(() => queryClient.invalidateQueries(trpc.sessions.pathFilter()), [queryClient, trpc]);
  useEffect(() => {
    if (!busy || finished.current.has(busy)) return;
    setPending((p) => p ?? busy);
    void refreshChat();
  }, [busy, refreshChat]);

  const agentItems = agents.data?.items ?? [];
  const teamItems = teams.data?.items ?? [];
  const listed = useMemo(() => new Set([...agentItems.map((a) => `agent:${a.slug}`), ...teamItems.map((t) => `team:${t.slug}`)]), [agentItems, teamItems]);
  const lastKey = lastTargetKey(user.id, slug);
  // (once both lists are in: else the first to arrive would win)
  const listsIn = !(can("agents:read") && agents.isPending) && !(can("teams:read") && teams.isPending);
  // a new chat's target: the one asked for, else the last one talked to, else the first agent (or team)
  useEffect(() => {
    if (sessionId || !listsIn || listed.size === 0 || (target && listed.has(target))) return;
    const last = window.localStorage.getItem(lastKey);
    setTarget(last && listed.has(last) ? last : (listed.values().next().value ?? ""));
  }, [sessionId, target, listed, lastKey, listsIn]);
  // the target talked to last is where the page opens next time
  useEffect(() => {
    if (target && listed.has(target)) window.localStorage.setItem(lastKey, target);
  }, [target, listed, lastKey]);
  // keep the newest message in view as the conversation grows
  useEffect(() => {
    if (turns.length > 0 || pending) endRef.current?.scrollIntoView({ block: "nearest" });
  }, [turns.length, pending]);

  const create = useMutation(trpc.sessions.create.mutationOptions());
  const sendMessage = useMutation(trpc.sessions.send.mutationOptions());
  const subjectValue = subject.trim();
  const subjectCheck = subjectValue ? memoryScopeIdSchema.safeParse(subjectValue) : null;
  const subjectError = subjectCheck && !subjectCheck.success ? (subjectCheck.error.issues[0]?.message ?? "Not a valid subject") : null;

  const send = async () => {
    const ref = parseTarget(target);
    const text = message.trim();
    if (!ref || !text || pending || sending || subjectError || (sessionId && !session.data)) return;
    setSending(true);
    setFailure(null);
    let id = sessionId;
    try {
      if (!id) {
        const created = await create.mutateAsync({ ...ref, ...(subjectValue ? { subject: subjectValue } : {}), title: chatTitle(text) });
        queryClient.setQueryData(trpc.sessions.get.queryKey({ sessionId: created.id }), created);
        openInUrl(created.id);
        setSubject("");
        id = created.id;
      }
      const answer = await sendMessage.mutateAsync({
        sessionId: id,
        content: text,
        ...(preset ? { modelPolicy: { type: "preset", preset } } : {}),
        ...(version ? { version: Number(version) } : {}),
      });
      setMessage("");
      setSent((s) => [...s, answer.message]);
      setPending(answer.runId);
      void refreshChat();
    } catch (error) {
      setFailure({ error, during: id ? "send" : "create" });
      // 409: another message is being answered; show it (the session's busy run is then followed)
      if (errorCode(error) === "CONFLICT" && id) void refreshChat();
    } finally {
      setSending(false);
    }
  };

  const historyKey = sessionId ? trpc.sessions.messages.infiniteQueryKey({ sessionId, limit: HISTORY_PAGE }) : null;
  const onDone = useCallback(
    async (runId: string) => {
      finished.current.add(runId);
      // the run's end appended the answer: read the history until it shows (a few tries), then stop following
      for (let i = 0; i < 5; i++) {
        await refreshChat();
        const data = historyKey ? queryClient.getQueryData<{ pages: { items: SessionMessageOutput[] }[] }>(historyKey) : undefined;
        if (data?.pages.some((p) => p.items.some((m) => m.runId === runId && m.role === "assistant"))) break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      setPending((p) => (p === runId ? null : p));
      requestAnimationFrame(() => boxRef.current?.focus());
    },
    [refreshChat, queryClient, historyKey],
  );

  const targetRef = parseTarget(target);
  const currentVersion =
    (targetRef && "agent" in targetRef ? agentItems.find((a) => a.slug === targetRef.agent) : teamItems.find((t) => targetRef && t.slug === targetRef.team))
      ?.currentVersion ?? 0;
  const loading = (can("agents:read") && agents.isPending) || (can("teams:read") && teams.isPending);
  const nothing = !loading && agentItems.length === 0 && teamItems.length === 0 && !sessionId;
  const canRun = can("runs:create");
  const answering = pending !== null || sending;
  const chatMissing = sessionId !== null && session.isError;
  const canWrite = canRun && !answering && !chatMissing && !(sessionId && !session.data);
  const conflict = failure?.during === "send" && errorCode(failure.error) === "CONFLICT";

  return (
    <div className="mx-auto grid w-full max-w-6xl gap-4">
      <PageHeader
        title="Playground"
        description="Chat with an agent or a team. A chat is a session: every message is a run that sees the earlier turns; it shows in Runs with its trace and counts against the budget."
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
        <div className="grid items-start gap-4 lg:grid-cols-[15rem_minmax(0,1fr)]">
          <div className="order-last lg:order-first">
            <ChatList current={sessionId} onOpen={openInUrl} />
          </div>
          <div className="grid min-w-0 gap-4">
            <div className="grid gap-3 rounded-lg border p-3 sm:grid-cols-[2fr_1fr_1fr_auto] sm:items-end">
              <div className="grid gap-1.5">
                <Label htmlFor="playground-target">Talk to</Label>
                <select
                  id="playground-target"
                  className={selectClass}
                  value={sessionId ? (chatTarget ?? "") : target}
                  disabled={answering || (sessionId !== null && !session.data)}
                  onChange={(e) => {
                    // another target is another chat
                    if (sessionId) openInUrl(null);
                    setTarget(e.target.value);
                    setVersion("");
                  }}
                  data-testid="playground-target"
                >
                  {/* an open chat's target that is no longer listed (archived, deleted) */}
                  {chatTarget && !listed.has(chatTarget) && session.data ? (
                    <option value={chatTarget}>{(session.data.agent ?? session.data.team)?.name} (this chat)</option>
                  ) : null}
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
                <select
                  id="playground-policy"
                  className={selectClass}
                  value={preset}
                  onChange={(e) => setPreset(e.target.value)}
                  data-testid="playground-policy"
                >
                  <option value="">Its own</option>
                  {presets.data?.map((p) => (
                    <option key={p.name} value={p.name}>
                      Preset {p.name}
                    </option>
                  ))}
                </select>
              </div>
              <Button variant="outline" onClick={() => openInUrl(null)} disabled={sessionId === null || sending} data-testid="playground-new">
                New chat
              </Button>
            </div>

            {sessionId === null ? (
              <div className="grid gap-1.5">
                <Label htmlFor="playground-subject">Subject (optional)</Label>
                <Input
                  id="playground-subject"
                  className="max-w-sm"
                  value={subject}
                  placeholder="customer:42"
                  disabled={!canRun || sending}
                  aria-invalid={subjectError ? true : undefined}
                  aria-describedby="playground-subject-hint"
                  onChange={(e) => setSubject(e.target.value)}
                  data-testid="playground-subject"
                />
                <p id="playground-subject-hint" className={subjectError ? "text-sm text-destructive" : "text-sm text-muted-foreground"}>
                  {subjectError ?? "The end user or customer this chat serves: its runs recall and remember in that subject's memory."}
                </p>
              </div>
            ) : session.data ? (
              <p className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground" data-testid="playground-session">
                <span>
                  Chat with <span className="font-medium text-foreground">{(session.data.agent ?? session.data.team)?.name}</span>
                </span>
                {session.data.subject ? <Badge testId="playground-session-subject">for {session.data.subject}</Badge> : null}
              </p>
            ) : null}

            <section aria-label="Conversation" className="grid min-h-48 content-start gap-3 rounded-lg border p-3" data-testid="playground-conversation">
              {chatMissing ? (
                <p role="alert" className="text-sm text-destructive" data-testid="playground-session-error">
                  {errorCode(session.error) === "NOT_FOUND" ? "This chat does not exist (any more). Start a new one." : errorMessage(session.error)}
                </p>
              ) : sessionId && (history.isPending || session.isPending) && turns.length === 0 ? (
                <Skeleton className="h-24" />
              ) : turns.length === 0 && !pending ? (
                <p className="text-sm text-muted-foreground">Send a message to start a chat.</p>
              ) : null}
              {history.isError ? (
                <p role="alert" className="text-sm text-destructive">
                  {errorMessage(history.error)}
                </p>
              ) : null}
              <ol className="grid gap-3">
                {turns.map((turn) => (
                  <ChatTurn key={turn.id} message={turn} slug={slug} />
                ))}
              </ol>
              {pending ? <PendingAnswer key={pending} runId={pending} slug={slug} onDone={onDone} /> : null}
              <div ref={endRef} />
            </section>

            <form
              className="grid gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                void send();
              }}
            >
              <Label htmlFor="playground-message">Message</Label>
              <Textarea
                id="playground-message"
                ref={boxRef}
                rows={3}
                value={message}
                maxLength={MAX_RUN_INPUT}
                disabled={!canWrite}
                placeholder={canRun ? "Ask something… (Enter sends, Shift+Enter for a new line)" : undefined}
                onChange={(e) => setMessage(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
                    e.preventDefault();
                    void send();
                  }
                }}
                data-testid="playground-message"
              />
              {!canRun ? <p className="text-sm text-muted-foreground">Your role cannot start runs, so it can read chats here but not send messages.</p> : null}
              {failure ? (
                <p role="alert" className="text-sm text-destructive" data-testid="playground-error" data-code={errorCode(failure.error)}>
                  {conflict ? CONFLICT_TEXT : errorMessage(failure.error)}
                </p>
              ) : null}
              <div className="flex flex-wrap items-center justify-end gap-3">
                <Button type="submit" disabled={!canWrite || message.trim() === "" || subjectError !== null} data-testid="playground-send">
                  {sending ? "Sending…" : pending ? "Answering…" : "Send"}
                </Button>
              </div>
            </form>
          </div>
        </div>
      )}
    </div>
  );
}
