"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { ago } from "@/components/shell/palette-items";
import { LoadMore, nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/cn";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

/** The workspace's recent chats (sessions.list, newest first): choosing one reopens it. */
export function ChatList({ current, onOpen }: { current: string | null; onOpen: (sessionId: string) => void }) {
  const trpc = useTRPC();
  const chats = usePagedList(useInfiniteQuery(trpc.sessions.list.infiniteQueryOptions({ limit: 25 }, { getNextPageParam: nextPageParam })));
  return (
    <section aria-label="Recent chats" className="grid content-start gap-2" data-testid="playground-chats">
      <h2 className="text-sm font-medium">Recent chats</h2>
      {chats.isPending ? (
        <Skeleton className="h-24" />
      ) : chats.isError ? (
        <p role="alert" className="text-sm text-destructive">
          {errorMessage(chats.error)}
        </p>
      ) : chats.data?.length === 0 ? (
        <p className="text-sm text-muted-foreground">No chats yet.</p>
      ) : (
        <ul className="grid gap-1">
          {chats.data?.map((chat) => (
            <li key={chat.id}>
              <button
                type="button"
                className={cn("grid w-full gap-0.5 rounded-md px-2 py-1.5 text-left text-sm hover:bg-muted", chat.id === current && "bg-muted font-medium")}
                aria-current={chat.id === current ? "true" : undefined}
                onClick={() => onOpen(chat.id)}
                data-testid="playground-chat"
                data-session-id={chat.id}
              >
                <span className="truncate">{chat.title || "Untitled chat"}</span>
                <span className="truncate text-xs font-normal text-muted-foreground">
                  {(chat.agent ?? chat.team)?.name}
                  {chat.subject ? ` · ${chat.subject}` : ""} · {chat.messageCount} message{chat.messageCount === 1 ? "" : "s"} ·{" "}
                  {ago(chat.lastMessageAt ?? chat.createdAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={chats} testId="playground-chats-more" />
    </section>
  );
}
