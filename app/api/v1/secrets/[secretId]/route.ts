import { handlers } from "@/server/rest/define";
import { deleteSecretRoute, updateSecretRoute } from "@/server/rest/routes/secrets";

export const { PATCH, DELETE } = handlers(updateSecretRoute, deleteSecretRoute);
