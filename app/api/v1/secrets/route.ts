import { handlers } from "@/server/rest/define";
import { createSecretRoute, listSecretsRoute } from "@/server/rest/routes/secrets";

export const { GET, POST } = handlers(listSecretsRoute, createSecretRoute);
