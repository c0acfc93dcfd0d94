"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useWatch } from "react-hook-form";
import { canonicalJson, type DiffLine, lineDiff } from "@/lib/line-diff";
import { toast } from "sonner";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { DiffLines } from "@/components/versions/version-history";
import { useConfirm } from "@/components/ui/confirm";
import { CreateDialog } from "@/components/ui/create-dialog";
import {
  applyServerErrors,
  Form,
  FormControl,
  FormDescription,
  FormField,
  FormItem,
  FormLabel,
  FormMessage,
  FormRootError,
  useZodForm,
} from "@/components/ui/form";
import { FormError } from "@/components/ui/form-error";
import { formatDateTime } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { Loading } from "@/components/ui/loading";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { SubmitButton } from "@/components/ui/submit-button";
import { RowDangerButton } from "@/components/ui/table";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { createMcpServerInputSchema, type McpServerOut, type McpServerStatus, type McpTransport } from "@/lib/schemas/mcp";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

type McpTool = McpServerOut["tools"][number];

const TRANSPORT_LABELS: Record<McpTransport, string> = { streamable_http: "Streamable HTTP", sse: "HTTP+SSE (older)" };
const AUTH_LABELS: Record<McpServerOut["authType"], string> = { none: "no authentication", bearer: "bearer token", oauth: "OAuth" };
const STATUS_TONES: Record<McpServerStatus, BadgeTone> = { ok: "success", error: "danger", needs_auth: "warning" };

/** Invalidates what an MCP server change touches: the servers and the tool registry (their tools are in it). */
function useInvalidate() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: trpc.mcpServers.pathKey() }), queryClient.invalidateQueries({ queryKey: trpc.tools.pathKey() })]);
}

/** Connects a server: name, URL, transport, and no authentication or a bearer token from the vault. */
function ConnectServerForm({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const invalidate = useInvalidate();
  const form = useZodForm(createMcpServerInputSchema, {
    defaultValues: { name: "", url: "", transport: "streamable_http", authType: "none", secretId: null },
  });
  const authType = useWatch({ control: form.control, name: "authType" });
  const secrets = useQuery({ ...trpc.secrets.list.queryOptions({ limit: 100 }), enabled: authType === "bearer" && can("secrets:read") });
  const create = useMutation(
    trpc.mcpServers.create.mutationOptions({
      onSuccess: async (server) => {
        await invalidate();
        if (server.status === "ok") toast.success(`Connected ${server.name}: ${server.tools.length} tools`);
        else if (server.authType === "oauth") toast.success(`${server.name} is saved: Authorize it to connect`);
        else toast.error(`${server.name} is saved but could not be synced: ${server.lastError ?? server.status}`);
        onCreated();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const save = form.handleSubmit((values) => create.mutate(values.authType === "bearer" ? values : { ...values, secretId: null }));
  return (
    <Form {...form}>
      <form className="flex flex-col gap-4" onSubmit={save} noValidate data-testid="mcp-form">
        <FormField
          control={form.control}
          name="name"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Name</FormLabel>
              <FormControl>
                <Input {...field} data-testid="mcp-name" placeholder="github" autoComplete="off" />
              </FormControl>
              <FormDescription>Lowercase letters, digits and underscores; its tools are named name_tool.</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="url"
          render={({ field }) => (
            <FormItem>
              <FormLabel>URL</FormLabel>
              <FormControl>
                <Input {...field} data-testid="mcp-url" placeholder="https://mcp.example.com/mcp" autoComplete="off" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <div className="flex flex-wrap items-start gap-3">
          <FormField
            control={form.control}
            name="transport"
            render={({ field }) => (
              <FormItem className="min-w-48 flex-1">
                <FormLabel>Transport</FormLabel>
                <FormControl>
                  <select {...field} className={SELECT_CLASS} data-testid="mcp-transport">
                    {(Object.keys(TRANSPORT_LABELS) as McpTransport[]).map((t) => (
                      <option key={t} value={t}>
                        {TRANSPORT_LABELS[t]}
                      </option>
                    ))}
                  </select>
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="authType"
            render={({ field }) => (
              <FormItem className="min-w-48 flex-1">
                <FormLabel>Authentication</FormLabel>
                <FormControl>
                  <select {...field} className={SELECT_CLASS} data-testid="mcp-auth">
                    <option value="none">None</option>
                    <option value="bearer">Bearer token from the vault</option>
                    <option value="oauth">OAuth 2.1 (sign in at the server)</option>
                  </select>
                </FormControl>
                <FormDescription>OAuth: after connecting, Authorize sends you to the server's sign-in page; the tokens stay in the vault.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        {authType === "bearer" ? (
          <FormField
            control={form.control}
            name="secretId"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Token secret</FormLabel>
                <FormControl>
                  <select
                    className={SELECT_CLASS}
                    data-testid="mcp-secret"
                    name={field.name}
                    ref={field.ref}
                    onBlur={field.onBlur}
                    value={field.value ?? ""}
                    onChange={(e) => field.onChange(e.target.value || null)}
                  >
                    <option value="">— pick a secret —</option>
                    {(secrets.data?.items ?? []).map((s) => (
                      <option key={s.id} value={s.id}>
                        {s.name}
                      </option>
                    ))}
                  </select>
                </FormControl>
                <FormDescription>Sent as Authorization: Bearer to this server only; never shown, logged or given to a model.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
        ) : null}
        <FormRootError />
        <div>
          <SubmitButton testId="mcp-submit" pending={create.isPending} pendingLabel="Connecting…">
            Connect
          </SubmitButton>
        </div>
      </form>
    </Form>
  );
}

/** The reviewed definition against the server's new one: the description and the argument schema (keys sorted), as line diffs. */
export function DefinitionDiff({ tool }: { tool: McpTool }) {
  const pending = tool.pendingDefinition;
  if (!pending) return null;
  const description = lineDiff(tool.description, pending.description);
  const schema = lineDiff(canonicalJson(tool.inputSchema, 2), canonicalJson(pending.inputSchema, 2));
  const changed = (lines: DiffLine[]) => lines.some((l) => l.op !== "equal");
  return (
    <div className="grid gap-3" data-testid="mcp-review-diff">
      <p className="text-xs text-muted-foreground">
        − the definition as last reviewed, + the server's new one. Both are the server's text, untrusted: read the description for instructions aimed at the
        model.
      </p>
      <div className="grid gap-1" data-field="description">
        <div className="text-sm font-semibold">Description{changed(description) ? "" : " (unchanged)"}</div>
        <DiffLines lines={description} testId="mcp-diff-description" />
      </div>
      <div className="grid gap-1" data-field="inputSchema">
        <div className="text-sm font-semibold">Argument schema{changed(schema) ? "" : " (unchanged)"}</div>
        <DiffLines lines={schema} testId="mcp-diff-schema" />
      </div>
    </div>
  );
}

/**
 * The review of a definition a server changed: a dialog with the before/after diff, and for tools:grant accept or
 * reject (accepting re-enables the tool for every agent granted it). Everyone else sees the diff only.
 */
function ReviewDialog({ tool, onError }: { tool: McpTool; onError: (message: string | null) => void }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const invalidate = useInvalidate();
  const [open, setOpen] = useState(false);
  const review = useMutation(
    trpc.mcpServers.reviewTool.mutationOptions({
      onMutate: () => onError(null),
      onSuccess: (r) => {
        toast.success(r.decision === "accept" ? `${r.name} accepted and enabled` : `${r.name}: change rejected, it stays disabled`);
        setOpen(false);
      },
      onError: (e) => {
        onError(errorMessage(e));
        setOpen(false);
      },
      onSettled: () => invalidate(),
    }),
  );
  const reviewer = can("tools:grant");
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <div className="grid gap-1" data-testid={reviewer ? "mcp-review" : undefined}>
        <p className="text-xs text-muted-foreground">
          The server changed this tool's description or arguments; it stays disabled until reviewed.
          {reviewer ? " Accepting uses the new definition and enables it for the agents granted it; rejecting keeps it disabled." : ""}
        </p>
        <div>
          <DialogTrigger asChild>
            <Button size="sm" variant="outline" data-testid="mcp-review-open">
              {reviewer ? "Review change" : "See change"}
            </Button>
          </DialogTrigger>
        </div>
      </div>
      <DialogContent className="max-h-[90svh] overflow-y-auto sm:max-w-3xl" data-testid="mcp-review-dialog">
        <DialogHeader>
          <DialogTitle>Review the change to {tool.name}</DialogTitle>
          <DialogDescription>
            The server {tool.remoteName ? `(its tool ${tool.remoteName}) ` : ""}now describes this tool differently. It stays disabled until someone with the
            right to grant tools accepts the change.
          </DialogDescription>
        </DialogHeader>
        <DefinitionDiff tool={tool} />
        {reviewer ? (
          <DialogFooter>
            <Button
              size="sm"
              variant="ghost"
              data-testid="mcp-review-reject"
              disabled={review.isPending}
              onClick={() => review.mutate({ toolId: tool.id, decision: "reject" })}
            >
              Reject
            </Button>
            <Button
              size="sm"
              data-testid="mcp-review-accept"
              disabled={review.isPending}
              onClick={() => review.mutate({ toolId: tool.id, decision: "accept" })}
            >
              Accept change
            </Button>
          </DialogFooter>
        ) : null}
      </DialogContent>
    </Dialog>
  );
}

/** One synced tool: its registry name, its name on the server, the server's description (untrusted: plain text). */
function McpToolRow({ tool, onError }: { tool: McpTool; onError: (message: string | null) => void }) {
  return (
    <li className="grid gap-1 border-t py-2 first:border-t-0" data-testid="mcp-tool" data-name={tool.name}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono text-sm">{tool.name}</span>
        <span className="text-xs text-muted-foreground">({tool.remoteName})</span>
        <Badge tone={tool.enabled ? "success" : "neutral"} testId="mcp-tool-enabled">
          {tool.enabled ? "enabled" : "disabled"}
        </Badge>
        {tool.changed ? (
          <Badge tone="warning" testId="mcp-tool-changed">
            changed — review
          </Badge>
        ) : null}
      </div>
      {tool.description ? (
        <p className="line-clamp-3 text-sm whitespace-pre-line text-muted-foreground" data-testid="mcp-tool-description">
          {tool.description}
        </p>
      ) : null}
      {tool.changed ? <ReviewDialog tool={tool} onError={onError} /> : null}
    </li>
  );
}

/** Sync now and Disable/Enable (tools:update), Delete after a confirm (tools:delete). */
function ServerActions({ server, onError }: { server: McpServerOut; onError: (message: string | null) => void }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const confirm = useConfirm();
  const invalidate = useInvalidate();
  const common = { onMutate: () => onError(null), onError: (e: unknown) => onError(errorMessage(e)), onSettled: () => invalidate() };
  const sync = useMutation(
    trpc.mcpServers.sync.mutationOptions({
      ...common,
      onSuccess: ({ server: s, report }) => {
        if (!report) onError(`Could not sync: ${s.lastError ?? s.status}`);
        else toast.success(`${s.name} synced: ${report.added.length} added, ${report.changed.length} changed, ${report.removed.length} removed`);
      },
    }),
  );
  const update = useMutation(trpc.mcpServers.update.mutationOptions(common));
  const remove = useMutation(trpc.mcpServers.delete.mutationOptions({ ...common, onSuccess: () => toast.success(`MCP server ${server.name} deleted`) }));
  // OAuth: the authorization server's page, in this window; it comes back to the Tools page
  const authorize = useMutation(
    trpc.mcpServers.authorize.mutationOptions({
      onMutate: () => onError(null),
      onError: (e: unknown) => {
        onError(errorMessage(e));
        void invalidate();
      },
      onSuccess: ({ authorizationUrl }) => window.location.assign(authorizationUrl),
    }),
  );
  const disconnect = useMutation(
    trpc.mcpServers.disconnect.mutationOptions({ ...common, onSuccess: () => toast.success(`${server.name} disconnected: its OAuth tokens are deleted`) }),
  );
  const busy = sync.isPending || update.isPending || remove.isPending || authorize.isPending || disconnect.isPending;
  const authorized = server.oauth?.authorizedAt != null;
  return (
    <div className="flex flex-wrap items-center justify-end gap-2">
      {can("tools:update") && server.authType === "oauth" ? (
        <>
          <Button
            size="sm"
            variant={authorized && server.status !== "needs_auth" ? "outline" : "default"}
            data-testid="mcp-authorize"
            disabled={busy || !server.enabled}
            onClick={() => authorize.mutate({ serverId: server.id })}
          >
            {authorize.isPending ? "Opening…" : authorized ? "Re-authorize" : "Authorize"}
          </Button>
          {authorized ? (
            <Button size="sm" variant="outline" data-testid="mcp-disconnect" disabled={busy} onClick={() => disconnect.mutate({ serverId: server.id })}>
              Disconnect
            </Button>
          ) : null}
        </>
      ) : null}
      {can("tools:update") ? (
        <>
          <Button size="sm" variant="outline" data-testid="mcp-sync" disabled={busy || !server.enabled} onClick={() => sync.mutate({ serverId: server.id })}>
            {sync.isPending ? "Syncing…" : "Sync now"}
          </Button>
          <Button
            size="sm"
            variant="outline"
            data-testid="mcp-toggle"
            disabled={busy}
            onClick={() => update.mutate({ serverId: server.id, enabled: !server.enabled })}
          >
            {server.enabled ? "Disable" : "Enable"}
          </Button>
        </>
      ) : null}
      {can("tools:delete") ? (
        <RowDangerButton
          testId="mcp-delete"
          disabled={busy}
          onClick={async () => {
            const ok = await confirm({
              title: `Delete the MCP server ${server.name}?`,
              description: `Its ${server.tools.length} tools leave the registry. Refused while agents are granted one of them. This cannot be undone.`,
              confirmLabel: "Delete server",
              destructive: true,
            });
            if (ok) remove.mutate({ serverId: server.id });
          }}
        >
          Delete
        </RowDangerButton>
      ) : null}
    </div>
  );
}

function ServerRow({ server }: { server: McpServerOut }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <li className="grid gap-2 border-t py-4 first:border-t-0 first:pt-0" data-testid="mcp-server" data-name={server.name}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="grid min-w-0 flex-1 gap-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-sm font-medium">{server.name}</span>
            <Badge tone={STATUS_TONES[server.status]} testId="mcp-status">
              {server.status}
            </Badge>
            {server.enabled ? null : (
              <Badge tone="neutral" testId="mcp-disabled">
                disabled
              </Badge>
            )}
          </div>
          <p className="text-xs break-all text-muted-foreground" data-testid="mcp-url-text">
            {server.url}
          </p>
          <p className="text-xs text-muted-foreground">
            {TRANSPORT_LABELS[server.transport]} · {AUTH_LABELS[server.authType]}
            {server.secretName ? ` (${server.secretName})` : ""}
            {server.oauth ? (
              <span data-testid="mcp-oauth">
                {server.oauth.authorizedAt ? ` (authorized ${formatDateTime(server.oauth.authorizedAt)})` : " (not authorized yet)"}
              </span>
            ) : null}{" "}
            · last synced <span data-testid="mcp-synced">{formatDateTime(server.lastSyncedAt)}</span>
            {server.nextSyncAt ? (
              <>
                {" "}
                · next sync <span data-testid="mcp-next-sync">{formatDateTime(server.nextSyncAt)}</span>
              </>
            ) : null}
          </p>
          {server.lastError ? (
            <p className="text-sm text-destructive" data-testid="mcp-last-error">
              {server.lastError}
            </p>
          ) : null}
        </div>
        <ServerActions server={server} onError={setError} />
      </div>
      <FormError message={error} />
      {server.tools.length > 0 ? (
        <ul className="m-0 ml-2 list-none border-l pl-4">
          {server.tools.map((t) => (
            <McpToolRow key={t.id} tool={t} onError={setError} />
          ))}
        </ul>
      ) : (
        <p className="text-sm text-muted-foreground">No tools synced.</p>
      )}
    </li>
  );
}

/** The workspace's remote MCP servers, their status and tools, with connect, sync, enable/disable, delete and review. */
export function McpServersSection() {
  // back from an OAuth authorization (/api/mcp-oauth/callback): say how it went
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const failed = params.get("mcpAuthError");
    const authorizedServer = params.get("mcpAuthorized");
    if (failed) toast.error(`Authorization failed: ${failed}`, { duration: 15_000 });
    else if (authorizedServer) toast.success(`${authorizedServer} is authorized and synced`);
  }, []);
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const servers = useQuery(trpc.mcpServers.list.queryOptions());
  return (
    <Card
      title="MCP servers"
      description="Remote MCP servers (Streamable HTTP or HTTP+SSE; no stdio). Their tools are synced into the registry; what a server says about a tool is its own, untrusted text."
      testId="mcp-servers"
      actions={
        can("tools:create") ? (
          <CreateDialog
            label="Connect a server"
            title="Connect an MCP server"
            description="Cadre saves the server, then lists its tools. New tools ask for approval on every call until you relax that."
            testId="mcp-connect"
          >
            {(close) => <ConnectServerForm onCreated={close} />}
          </CreateDialog>
        ) : null
      }
    >
      {servers.isPending ? (
        <Loading />
      ) : servers.isError ? (
        <FormError message={errorMessage(servers.error)} />
      ) : servers.data.length === 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="mcp-servers-empty">
          No MCP servers connected.
        </p>
      ) : (
        <ul className="m-0 list-none p-0">
          {servers.data.map((s) => (
            <ServerRow key={s.id} server={s} />
          ))}
        </ul>
      )}
    </Card>
  );
}
