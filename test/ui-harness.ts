/**
 * Renders a dashboard component for a role against a fake tRPC API: `api` answers each procedure by its path
 * ("secrets.list", "secrets.create", ...) and records the inputs it was called with. No server, no database.
 */
import { vi, type Mock } from "vitest";
import { createElement as h, type ReactElement } from "react";
import { configure, render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, TRPCClientError, type TRPCLink, unstable_localLink } from "@trpc/client";
import superjson from "superjson";
import { observable } from "@trpc/server/observable";
import { type AppRouter, appRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { ConfirmProvider } from "@/components/ui/confirm";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import type { TestWorkspace } from "./helpers";

// the pages query the real database through tRPC: on a loaded 2-core CI machine the first answer can take longer than
// testing-library's 1 s default for findBy/waitFor
configure({ asyncUtilTimeout: 10_000 });

export type FakeApi = Record<string, Mock<(input: unknown) => unknown>>;

/** `{ "secrets.list": () => page }` -> recorded handlers */
export function fakeApi(handlers: Record<string, (input: unknown) => unknown>): FakeApi {
  return Object.fromEntries(Object.entries(handlers).map(([path, fn]) => [path, vi.fn(fn)]));
}

function fakeLink(api: FakeApi): TRPCLink<AppRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        Promise.resolve()
          .then(() => {
            const handler = api[op.path];
            if (!handler) throw new Error(`The fake API has no ${op.path}`);
            return handler(op.input);
          })
          .then(
            (data) => {
              observer.next({ result: { type: "data", data } });
              observer.complete();
            },
            (error: unknown) => observer.error(error instanceof TRPCClientError ? error : TRPCClientError.from(error as Error)),
          );
      });
}

export const ME = { id: "usr_me", email: "me@example.test", name: "Me" };

/** The dashboard's providers around `page`: the query client, tRPC on `trpcClient`, confirms, the workspace. */
function renderInWorkspace(trpcClient: ReturnType<typeof createTRPCClient<AppRouter>>, workspace: WorkspaceContextValue, page: () => ReactElement) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, {
        trpcClient,
        queryClient,
        keyPrefix: workspace.slug,
        children: h(ConfirmProvider, null, h(WorkspaceContextProvider, { value: workspace }, page())),
      }),
    ),
  );
}

export function renderAs(role: Role, api: FakeApi, page: () => ReactElement) {
  const trpcClient = createTRPCClient<AppRouter>({ links: [fakeLink(api)] });
  const workspace: WorkspaceContextValue = {
    slug: "w",
    workspace: { name: "Acme" } as WorkspaceContextValue["workspace"],
    role,
    user: ME,
    can: (p) => roleCan(role, p),
  };
  return renderInWorkspace(trpcClient, workspace, page);
}

/**
 * Renders a dashboard component for a member of `ws` (by role) against the REAL router and database (tRPC's local
 * link, as that person); `onCall` sees every procedure call (path and input) before it runs.
 */
export function renderWithRouter(
  ws: TestWorkspace,
  role: Role,
  page: () => ReactElement,
  onCall?: (path: string, input: unknown) => void,
  /** the workspace as the page's context holds it (name, slug, ...), for pages that read it */
  current: Partial<WorkspaceContextValue["workspace"]> = {},
) {
  const user = ws.users[role];
  const trpcClient = createTRPCClient<AppRouter>({
    links: [
      () =>
        ({ op, next }) => {
          onCall?.(op.path, op.input);
          return next(op);
        },
      unstable_localLink({
        router: appRouter,
        transformer: superjson,
        createContext: async () => ({ requestId: `req_ui${Date.now()}`, user, workspaceSlug: ws.slug, origin: "http://localhost:3000" }),
      }),
    ],
  });
  const workspace: WorkspaceContextValue = {
    slug: ws.slug,
    workspace: { slug: ws.slug, ...current } as WorkspaceContextValue["workspace"],
    role,
    user: { id: user.id, email: user.email, name: null },
    can: (p) => roleCan(role, p),
  };
  return renderInWorkspace(trpcClient, workspace, page);
}
