"use client";

import { useState, type ReactNode } from "react";
import { usePathname } from "next/navigation";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { ThemeProvider } from "next-themes";
import { TRPCProvider } from "@/lib/trpc/react";
import { ConfirmProvider } from "@/components/ui/confirm";
import { Toaster } from "@/components/ui/sonner";
import { orgSlugFromPath, queryKeyPrefixFor, workspaceSlugFromPath } from "@/lib/trpc/workspace-slug";
import { errorCode, httpStatusOf } from "@/lib/trpc/errors";
import { stepUpLink } from "@/lib/trpc/step-up-link";
import { StepUpDialog } from "@/components/auth/step-up-dialog";

/** A signed-out session (expired, or the account is gone): back to sign-in, then here again. */
function onUnauthorized(error: unknown) {
  if (errorCode(error) !== "UNAUTHORIZED" || typeof window === "undefined") return;
  const here = window.location.pathname + window.location.search;
  if (here.startsWith("/sign-in") || here.startsWith("/sign-up") || here.startsWith("/invite/")) return;
  window.location.assign(`/sign-in?callbackUrl=${encodeURIComponent(here)}`);
}

function makeQueryClient() {
  return new QueryClient({
    queryCache: new QueryCache({ onError: onUnauthorized }),
    mutationCache: new MutationCache({ onError: onUnauthorized }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        // a 4xx answer will not change on retry
        retry: (failures, error) => {
          const status = httpStatusOf(error);
          if (status !== undefined && status < 500) return false;
          return failures < 2;
        },
      },
    },
  });
}

function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [
      stepUpLink(),
      httpBatchLink({
        url: "/api/trpc",
        transformer: superjson,
        headers() {
          // the workspace the page looks at, from its URL (/w/<slug>/...)
          // or the organisation (/orgs/<slug>/...)
          const path = typeof window === "undefined" ? null : window.location.pathname;
          const slug = workspaceSlugFromPath(path);
          if (slug) return { "x-cadre-workspace": slug };
          const org = orgSlugFromPath(path);
          return org ? { "x-cadre-org": org } : {};
        },
      }),
    ],
  });
}

/** `nonce`: the request's CSP nonce (app/layout.tsx), for next-themes' inline script. */
export function Providers({ nonce, children }: { nonce?: string; children: ReactNode }) {
  const pathname = usePathname();
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(makeTrpcClient);
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange nonce={nonce}>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient} keyPrefix={queryKeyPrefixFor(pathname)}>
          <ConfirmProvider>{children}</ConfirmProvider>
          <StepUpDialog />
        </TRPCProvider>
      </QueryClientProvider>
      <Toaster />
    </ThemeProvider>
  );
}
