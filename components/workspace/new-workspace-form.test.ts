// @vitest-environment happy-dom
/**
 * The new-workspace form on the server's schema (react-hook-form + zod): the slug follows the name until it is typed,
 * a bad value shows its field error before anything is sent, the router's answer (created, or the slug taken) comes
 * back through the real router as the signed-in person.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, unstable_localLink } from "@trpc/client";
import superjson from "superjson";
import { type AppRouter, appRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { makeUser, type TestUser } from "@/test/helpers";
import { testDb as db } from "@/test/db";
import { NewWorkspaceForm } from "./new-workspace-form";
import { testNavigation } from "@/test/next-navigation";

const pushed: string[] = [];
testNavigation.router.push.mockImplementation((url: string) => pushed.push(url));

afterEach(cleanup);

function renderFor(user: TestUser) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const create = vi.fn();
  const trpcClient = createTRPCClient<AppRouter>({
    links: [
      () =>
        ({ op, next }) => {
          if (op.path === "workspaces.create") create(op.input);
          return next(op);
        },
      unstable_localLink({
        router: appRouter,
        transformer: superjson,
        createContext: async () => ({ requestId: `req_newws${Date.now()}`, user, workspaceSlug: null, origin: "http://localhost:3000" }),
      }),
    ],
  });
  render(h(QueryClientProvider, { client: queryClient }, h(TRPCProvider, { trpcClient, queryClient, keyPrefix: "new", children: h(NewWorkspaceForm) })));
  return { create };
}

describe("NewWorkspaceForm", () => {
  it("derives the slug from the name, refuses bad values on their fields before sending, creates, and says when a slug is taken", async () => {
    const person = await makeUser("newws");
    const ui = userEvent.setup();
    const { create } = renderFor(person);
    const stamp = Date.now().toString(36);

    await ui.type(screen.getByTestId("ws-name"), "Ünïcode Team #1");
    expect(screen.getByTestId("ws-slug")).toHaveProperty("value", "unicode-team-1");

    // a slug of the wrong shape: the schema's message on the field, nothing sent
    await ui.clear(screen.getByTestId("ws-slug"));
    await ui.type(screen.getByTestId("ws-slug"), "x-");
    await ui.click(screen.getByTestId("ws-submit"));
    expect(await screen.findByText("A slug has at least 3 characters")).toBeTruthy();
    expect(screen.getByTestId("ws-slug").getAttribute("aria-invalid")).toBe("true");
    expect(create).not.toHaveBeenCalled();

    await ui.clear(screen.getByTestId("ws-slug"));
    await ui.type(screen.getByTestId("ws-slug"), `alpha-${stamp}`);
    await ui.click(screen.getByTestId("ws-submit"));
    await waitFor(() => expect(pushed).toContain(`/w/alpha-${stamp}`));
    expect(create).toHaveBeenCalledWith({ name: "Ünïcode Team #1", slug: `alpha-${stamp}` });
    expect(await db().workspace.count({ where: { slug: `alpha-${stamp}` } })).toBe(1);
    cleanup();

    // the same slug again: the server's conflict as the form's message
    renderFor(person);
    await ui.type(screen.getByTestId("ws-name"), `Alpha ${stamp}`);
    await ui.click(screen.getByTestId("ws-submit"));
    expect((await screen.findByTestId("form-error")).textContent).toMatch(/taken/);
  });
});
