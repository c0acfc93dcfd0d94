import { handlers } from "@/server/rest/define";
import { openAiChatCompletionsRoute } from "@/server/rest/routes/openai";

export const dynamic = "force-dynamic";

export const { POST } = handlers(openAiChatCompletionsRoute);
